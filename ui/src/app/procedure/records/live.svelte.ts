// Props a test can change after mounting, as CaseView does when it re-reads the case after a
// sync: the same case, a new screen object.
import type { CaseScreen } from '../../api/bindings/CaseScreen';

export class LiveProps {
  screen = $state.raw<CaseScreen>() as CaseScreen;
  onscreen: (s: CaseScreen) => void;

  constructor(screen: CaseScreen, onscreen: (s: CaseScreen) => void) {
    this.screen = screen;
    this.onscreen = onscreen;
  }
}
