/** The lesson on screen: its step's short text beside the charts, and the way to the next step. */
import { useUiStore } from '../state/ui-store';
import { goToLesson } from '../state/url-sync';
import { LESSONS, findLesson, lessonHash } from './lessons';

export function LessonPanel() {
  const current = useUiStore((s) => s.lesson);
  const hidden = useUiStore((s) => s.hidden);
  const locked = useUiStore((s) => s.locked);
  const setLesson = useUiStore((s) => s.setLesson);
  const lesson = current ? findLesson(current.id) : undefined;
  if (!lesson || !current) return null;
  const step = lesson.steps[current.step];
  const last = current.step >= lesson.steps.length - 1;
  return (
    <aside className="lesson" data-testid="lesson" data-lesson={lesson.id} data-step={current.step} aria-label="Lesson">
      <p className="lesson-kicker">
        Lesson · {lesson.title} · step {current.step + 1} of {lesson.steps.length}
      </p>
      <h2 data-testid="lesson-step-title">{step.title}</h2>
      {step.text.map((paragraph) => (
        <p key={paragraph}>{paragraph}</p>
      ))}
      <div className="buttons">
        <button type="button" disabled={current.step === 0} onClick={() => goToLesson(lesson.id, current.step - 1)}>
          ← Back
        </button>
        <button type="button" className="primary" data-testid="lesson-next" disabled={last} onClick={() => goToLesson(lesson.id, current.step + 1)}>
          Next step →
        </button>
        {(hidden.length > 0 || locked.length > 0) && (
          <button type="button" onClick={() => setLesson(current, [], [])} title="Show and unlock every control, staying in the lesson">
            Show all controls
          </button>
        )}
        <button type="button" onClick={() => goToLesson(undefined)}>
          Leave the lesson
        </button>
      </div>
    </aside>
  );
}

/** Links to every lesson: each is a URL hash, so it can be shared as it is. */
export function LessonsMenu() {
  return (
    <details className="lessons-menu">
      <summary>Lessons</summary>
      <ul>
        {LESSONS.map((lesson) => (
          <li key={lesson.id}>
            <a href={lessonHash(lesson)} data-testid={`lesson-link-${lesson.id}`}>
              {lesson.title}
            </a>
            <small> {lesson.summary}</small>
          </li>
        ))}
      </ul>
    </details>
  );
}
