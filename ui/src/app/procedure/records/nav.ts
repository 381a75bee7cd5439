// Links between the steps of a case (the print step from a sample label, the transcript step
// from the signatures): by the step's kind, to whatever id the procedure gives that step.
import type { CaseScreen } from '../../api/bindings/CaseScreen';
import type { StepKind } from '../../api/bindings/StepKind';
import { go, routeHash } from '../../router';

export function stepId(screen: CaseScreen, kind: StepKind): string {
  return screen.steps.find((s) => s.kind === kind)?.id ?? kind;
}

export function stepHref(screen: CaseScreen, kind: StepKind): string {
  return routeHash({ name: 'case', id: screen.case.id, step: stepId(screen, kind) });
}

export function goToStep(screen: CaseScreen, kind: StepKind): void {
  go({ name: 'case', id: screen.case.id, step: stepId(screen, kind) });
}
