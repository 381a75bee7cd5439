//! The double-random draw (双随机, domain.md §6.3), as a pure function of a recorded seed and
//! recorded pools, so that anyone holding the record can run it again and get the same result.
//!
//! Algorithm `fieldcase-draw-1`:
//! 1. The stream: ChaCha20 keyed with SHA-256("fieldcase-draw-1\0" ‖ seed), read as
//!    little-endian u64s.
//! 2. `uniform(n)`: the next u64 below the largest multiple of n, modulo n (rejection sampling,
//!    so no index is favoured).
//! 3. Objects: the pool sorted by enterprise id, shuffled by Fisher–Yates from the last index
//!    down (`j = uniform(i + 1)`), the first ⌈pool × ratio / 100⌉ drawn, in that order.
//! 4. Officers, for each drawn object in order: the officer pool sorted by id minus those
//!    excluded for it (a declared conflict with the enterprise — 回避; no credential valid on the
//!    draw's date covering the enterprise's area; no team to receive the task), shuffled the same
//!    way from the same stream; the first officer, then the next ones of the same team (a task
//!    goes to one team) until `per_object`. If no team has enough, the object stays unstaffed
//!    and no task is made for it; the record says so.
//!
//! Changing any step is a new algorithm id: old records must keep verifying under the old one.

use std::collections::BTreeSet;

use fieldcase_protocol::{Sha256, to_canonical_json};
use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::{RngCore, SeedableRng};
use serde::{Deserialize, Serialize};

pub const ALGORITHM: &str = "fieldcase-draw-1 (ChaCha20, SHA-256 seed)";

/// An enterprise in the object pool as frozen for the draw.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Object {
    pub enterprise_id: String,
    pub name: String,
    pub area: String,
}

/// An officer in the officer pool as frozen for the draw.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Officer {
    pub id: String,
    pub name: String,
    pub team: Option<String>,
    /// Credential validity on the draw's date: (valid_from, valid_to, areas).
    pub credential: Option<(String, String, Vec<String>)>,
    /// Enterprises with a declared conflict (回避).
    pub conflicts: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Named {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Exclusion {
    pub id: String,
    pub name: String,
    /// recusal | no_valid_credential | no_team
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Drawn {
    pub order: usize,
    pub enterprise_id: String,
    pub name: String,
    pub area: String,
    pub team: Option<String>,
    pub officers: Vec<Named>,
    pub excluded_officers: Vec<Exclusion>,
}

struct Stream(ChaCha20Rng);

impl Stream {
    fn new(seed: &str) -> Stream {
        let mut keyed = b"fieldcase-draw-1\0".to_vec();
        keyed.extend_from_slice(seed.as_bytes());
        Stream(ChaCha20Rng::from_seed(*Sha256::of(&keyed).as_bytes()))
    }

    /// Uniform in `0..n` (n > 0).
    fn uniform(&mut self, n: u64) -> u64 {
        let zone = u64::MAX - (u64::MAX % n);
        loop {
            let v = self.0.next_u64();
            if v < zone {
                return v % n;
            }
        }
    }

    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.uniform(i as u64 + 1) as usize;
            items.swap(i, j);
        }
    }
}

/// Why `o` may not inspect `object` on `date` (YYYY-MM-DD), if it may not.
fn exclusion(o: &Officer, object: &Object, date: &str) -> Option<&'static str> {
    if o.conflicts.contains(&object.enterprise_id) {
        return Some("recusal");
    }
    let valid = o.credential.as_ref().is_some_and(|(from, to, areas)| {
        from.as_str() <= date
            && date <= to.as_str()
            && areas.iter().any(|a| object.area.starts_with(a.as_str()))
    });
    if !valid {
        return Some("no_valid_credential");
    }
    if o.team.is_none() {
        return Some("no_team");
    }
    None
}

/// How many of `pool` objects a ratio draws: ⌈pool × ratio / 100⌉.
pub fn quota(pool: usize, ratio_percent: u32) -> usize {
    (pool * ratio_percent as usize).div_ceil(100)
}

/// The draw. `objects` and `officers` are sorted here, so their order as given does not matter.
pub fn run(
    seed: &str,
    objects: &[Object],
    officers: &[Officer],
    ratio_percent: u32,
    per_object: usize,
    date: &str,
) -> Vec<Drawn> {
    let mut stream = Stream::new(seed);
    let mut pool = objects.to_vec();
    pool.sort_by(|a, b| a.enterprise_id.cmp(&b.enterprise_id));
    stream.shuffle(&mut pool);
    pool.truncate(quota(objects.len(), ratio_percent));
    let mut staff = officers.to_vec();
    staff.sort_by(|a, b| a.id.cmp(&b.id));
    pool.into_iter()
        .enumerate()
        .map(|(i, object)| {
            let mut excluded = Vec::new();
            let mut eligible: Vec<&Officer> = Vec::new();
            for o in &staff {
                match exclusion(o, &object, date) {
                    Some(reason) => excluded.push(Exclusion {
                        id: o.id.clone(),
                        name: o.name.clone(),
                        reason: reason.into(),
                    }),
                    None => eligible.push(o),
                }
            }
            stream.shuffle(&mut eligible);
            let mut chosen: Vec<&Officer> = Vec::new();
            for (k, first) in eligible.iter().enumerate() {
                let team = &first.team;
                let mut group = vec![*first];
                group.extend(
                    eligible[k + 1..]
                        .iter()
                        .filter(|o| o.team == *team)
                        .take(per_object.saturating_sub(1))
                        .copied(),
                );
                if group.len() >= per_object {
                    chosen = group;
                    break;
                }
            }
            Drawn {
                order: i + 1,
                enterprise_id: object.enterprise_id,
                name: object.name,
                area: object.area,
                team: chosen.first().and_then(|o| o.team.clone()),
                officers: chosen
                    .iter()
                    .map(|o| Named {
                        id: o.id.clone(),
                        name: o.name.clone(),
                    })
                    .collect(),
                excluded_officers: excluded,
            }
        })
        .collect()
}

/// SHA-256 of a pool's canonical JSON: what the record commits to.
pub fn pool_hash<T: Serialize>(pool: &[T]) -> String {
    let ids: BTreeSet<String> = pool
        .iter()
        .filter_map(|p| serde_json::to_value(p).ok())
        .map(|v| v.to_string())
        .collect();
    to_canonical_json(&ids)
        .map(|b| Sha256::of(&b).to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn objects(n: usize) -> Vec<Object> {
        (0..n)
            .map(|i| Object {
                enterprise_id: format!("E-{i:03}"),
                name: format!("企业{i}"),
                area: "320506".into(),
            })
            .collect()
    }

    fn officer(id: &str, team: &str) -> Officer {
        Officer {
            id: id.into(),
            name: id.into(),
            team: Some(team.into()),
            credential: Some((
                "2024-01-01".into(),
                "2028-12-31".into(),
                vec!["3205".into()],
            )),
            conflicts: vec![],
        }
    }

    fn staff() -> Vec<Officer> {
        vec![
            officer("O-1", "T1"),
            officer("O-2", "T1"),
            officer("O-3", "T2"),
            officer("O-4", "T2"),
            officer("O-5", "T2"),
        ]
    }

    #[test]
    fn the_same_seed_and_pools_draw_the_same_in_any_input_order() {
        let a = run("seed-1", &objects(40), &staff(), 25, 2, "2026-11-24");
        let mut shuffled = objects(40);
        shuffled.reverse();
        let mut s = staff();
        s.reverse();
        let b = run("seed-1", &shuffled, &s, 25, 2, "2026-11-24");
        assert_eq!(a, b);
        assert_eq!(a.len(), 10);
        let other = run("seed-2", &objects(40), &staff(), 25, 2, "2026-11-24");
        assert_ne!(
            a.iter().map(|d| &d.enterprise_id).collect::<Vec<_>>(),
            other.iter().map(|d| &d.enterprise_id).collect::<Vec<_>>()
        );
    }

    #[test]
    fn pairs_come_from_one_team_and_honour_recusal_and_credentials() {
        let mut s = staff();
        s[0].conflicts = vec!["E-000".into()];
        s[3].credential = Some((
            "2020-01-01".into(),
            "2025-12-31".into(),
            vec!["3205".into()],
        ));
        for seed in ["a", "b", "c", "d", "e", "f"] {
            for d in run(seed, &objects(5), &s, 100, 2, "2026-11-24") {
                assert_eq!(d.officers.len(), 2, "{d:?}");
                let teams: BTreeSet<_> = d
                    .officers
                    .iter()
                    .map(|o| s.iter().find(|x| x.id == o.id).unwrap().team.clone())
                    .collect();
                assert_eq!(teams.len(), 1, "{d:?}");
                assert!(!d.officers.iter().any(|o| o.id == "O-4"), "expired: {d:?}");
                if d.enterprise_id == "E-000" {
                    assert!(!d.officers.iter().any(|o| o.id == "O-1"), "{d:?}");
                    assert!(
                        d.excluded_officers
                            .iter()
                            .any(|e| e.id == "O-1" && e.reason == "recusal")
                    );
                }
            }
        }
    }

    #[test]
    fn an_object_no_team_can_staff_stays_unstaffed() {
        let s = vec![officer("O-1", "T1"), officer("O-3", "T2")];
        let d = run("x", &objects(1), &s, 100, 2, "2026-11-24");
        assert!(d[0].officers.is_empty() && d[0].team.is_none(), "{d:?}");
    }

    #[test]
    fn every_object_is_drawn_about_equally_often() {
        // 4,000 draws of 1 of 4: each should come out ~1,000 times.
        let mut counts = [0usize; 4];
        for i in 0..4000 {
            let d = run(&i.to_string(), &objects(4), &[], 25, 2, "2026-11-24");
            let n: usize = d[0].enterprise_id[2..].parse().unwrap();
            counts[n] += 1;
        }
        assert!(counts.iter().all(|c| (850..1150).contains(c)), "{counts:?}");
    }

    #[test]
    fn quotas_round_up() {
        assert_eq!(quota(40, 25), 10);
        assert_eq!(quota(41, 25), 11);
        assert_eq!(quota(3, 5), 1);
        assert_eq!(quota(0, 50), 0);
    }
}
