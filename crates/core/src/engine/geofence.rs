//! V-04: is a fix at the enterprise? Inside its boundary polygon when it has one, else within the
//! procedure's radius of its point. The fix's accuracy counts in the inspector's favour: a fix
//! whose accuracy circle reaches the fence is inside, because the officer may well be there.

use geo::{Contains, Distance, Haversine, LineString, Point, Polygon};

use crate::model::GeoPoint;

/// Distance to the site and the verdict.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GeofenceCheck {
    /// Metres from the fix to the enterprise point (or to the polygon edge, 0 inside).
    pub distance_m: f64,
    pub inside: bool,
}

fn pt(p: GeoPoint) -> Point<f64> {
    Point::new(p.lon, p.lat)
}

/// Checks a fix against an enterprise point, optional boundary and radius.
pub fn check(
    fix: GeoPoint,
    accuracy_m: f64,
    site: GeoPoint,
    boundary: Option<&[GeoPoint]>,
    radius_m: f64,
) -> GeofenceCheck {
    let here = pt(fix);
    let allowance = accuracy_m.max(0.0);
    match boundary.filter(|b| b.len() >= 3) {
        Some(ring) => {
            let line: LineString<f64> = ring.iter().map(|p| (p.lon, p.lat)).collect();
            let poly = Polygon::new(line.clone(), vec![]);
            if poly.contains(&here) {
                return GeofenceCheck {
                    distance_m: 0.0,
                    inside: true,
                };
            }
            // Distance to the nearest vertex or edge sample: boundaries are small (a plant), so
            // sampling each edge densely is exact enough and avoids projecting coordinates.
            let mut best = f64::MAX;
            for w in line
                .0
                .windows(2)
                .chain(std::iter::once(&[line.0[line.0.len() - 1], line.0[0]][..]))
            {
                for k in 0..=20 {
                    let t = f64::from(k) / 20.0;
                    let p = Point::new(
                        w[0].x + (w[1].x - w[0].x) * t,
                        w[0].y + (w[1].y - w[0].y) * t,
                    );
                    best = best.min(Haversine.distance(here, p));
                }
            }
            GeofenceCheck {
                distance_m: best,
                inside: best <= allowance,
            }
        }
        None => {
            let d = Haversine.distance(here, pt(site));
            GeofenceCheck {
                distance_m: d,
                inside: d <= radius_m + allowance,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SITE: GeoPoint = GeoPoint {
        lat: 31.3000,
        lon: 120.6000,
    };

    #[test]
    fn radius_with_accuracy_allowance() {
        // ~0.0036° of latitude ≈ 400 m north.
        let fix = GeoPoint {
            lat: 31.3036,
            lon: 120.6,
        };
        let far = check(fix, 10.0, SITE, None, 300.0);
        assert!(
            !far.inside && (far.distance_m - 400.0).abs() < 5.0,
            "{far:?}"
        );
        assert!(check(fix, 120.0, SITE, None, 300.0).inside);
    }

    #[test]
    fn polygon_inside_and_outside() {
        let ring = [
            GeoPoint {
                lat: 31.299,
                lon: 120.599,
            },
            GeoPoint {
                lat: 31.299,
                lon: 120.601,
            },
            GeoPoint {
                lat: 31.301,
                lon: 120.601,
            },
            GeoPoint {
                lat: 31.301,
                lon: 120.599,
            },
        ];
        assert!(check(SITE, 5.0, SITE, Some(&ring), 300.0).inside);
        let out = check(
            GeoPoint {
                lat: 31.3030,
                lon: 120.6,
            },
            5.0,
            SITE,
            Some(&ring),
            300.0,
        );
        assert!(
            !out.inside && (out.distance_m - 222.0).abs() < 5.0,
            "{out:?}"
        );
    }
}
