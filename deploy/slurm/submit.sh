#!/usr/bin/env bash
# Queue the reference array, then the merge with a dependency on the whole array (afterok: it runs
# only if every task succeeded; a failed task can be resubmitted alone with --array=I).
#   MIA_LAB_DIR=$PWD EXPERIMENT=deploy/experiment.json deploy/slurm/submit.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
mkdir -p logs
array=$(sbatch --parsable --export=ALL "$here/references.sbatch")
array=${array%%;*}
merge=$(sbatch --parsable --export=ALL --dependency="afterok:$array" "$here/merge.sbatch")
echo "queued reference array $array and merge $merge (runs after the whole array succeeds)"
