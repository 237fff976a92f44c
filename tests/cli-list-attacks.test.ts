import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ATTACK_NAMES } from '../src/core/attacks/registry';

const run = promisify(execFile);

describe('lab --list-attacks', () => {
  it('prints every attack, one per line, with what it needs', async () => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'src/cli/lab.ts', '--list-attacks'], { timeout: 110_000 });
    const lines = stdout.trim().split('\n');
    expect(lines.map((line) => line.split(/\s+/)[0])).toEqual([...ATTACK_NAMES]);
    const needs = Object.fromEntries(lines.map((line) => [line.split(/\s+/)[0], line.replace(/^\S+\s+/, '')]));
    expect(needs.random).toBe('labels only');
    expect(needs.loss).toBe('shadows');
    expect(needs['lira-offline']).toBe('references (OUT only)');
    expect(needs['rmia-online']).toBe('references (IN and OUT)');
    expect(needs['label-only-augmentation']).toBe('shadows, labels only');
    expect(needs['label-only-boundary']).toBe('shadows, labels only');
    expect(needs.quantile).toBe('public non-member records');
  }, 120_000);
});
