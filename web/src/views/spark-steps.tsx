/** SuperVessel's three steps, with the one the user is at. */
export function Steps({ at }: { at: 1 | 2 | 3 }) {
  const steps = ['Log in', 'Create cluster', 'Ready!'];
  return (
    <ol class="steps" aria-label="Spark wizard steps">
      {steps.map((s, i) => (
        <li
          class={i + 1 < at ? 'done' : i + 1 === at ? 'now' : ''}
          aria-current={i + 1 === at ? 'step' : undefined}
        >
          <span class="num">{i + 1 < at ? '✓' : i + 1}</span> {s}
        </li>
      ))}
    </ol>
  );
}
