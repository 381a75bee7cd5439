// Who is who on the case screen: names for officer ids, the officers of the team.
import type { CaseScreen } from '../../api/bindings/CaseScreen';
import type { TeamMember } from '../../api/bindings/TeamMember';

/** A roster id's name when it is on the team, else the text as recorded (a lab clerk's name…). */
export function nameOf(screen: CaseScreen, id: string | null | undefined): string {
  if (!id) return '';
  return screen.team.find((m) => m.officer.id === id)?.officer.name ?? id;
}

/** The enforcement officers of the team (grid workers and assistants do not sign as officers). */
export function officers(screen: CaseScreen): TeamMember[] {
  return screen.team.filter((m) => m.officer.role === 'officer');
}

