//! Authorization: every principal against every route of `api/openapi.json`, on the real
//! `fieldcase-server` binary over loopback HTTP, once on SQLite (`sqlite::…`) and once on
//! PostgreSQL (`postgres::…`).
//!
//! The routes come from `openapi.json`, not from this file: a route described there without a
//! row in [`ROUTES`] fails the matrix by name, so a new route cannot ship without its rule.
//! Each row names who may call the route ([`Access`]); from that, every principal's answer is
//! fixed: 401 for no token, a token the server does not know, an expired token
//! (`token.expired`) or a revoked token (`token.revoked`, the device itself not revoked), 403
//! for a role outside the route's scope or a revoked device, 200 for everyone allowed (each call is built with valid
//! input, so "allowed" is a real success, not a 400 that happens to be past the auth check).
//! After every refused call the center's observable state (the center's audit log included, which
//! every admin and review action appends to) is compared with the state before it: a refused
//! write stores nothing.
//!
//! Scope beyond role (a team's inspector and another team's blob, tasks and cases; a push naming
//! another device; escalating one's own role; re-enrolling a revoked device, or another
//! user's device under one's own code) is in
//! [`scope_beyond_role`].

#[macro_use]
mod support;

use std::collections::{BTreeMap, BTreeSet};

use fieldcase_protocol::sync::{DeviceStatusRequest, RenewRequest};
use fieldcase_protocol::{KeyPair, Sha256};
use serde_json::{Value, json};

use support::server::*;

/// Who calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Who {
    /// No `authorization` header.
    NoToken,
    /// `Bearer` and a token the server never issued.
    UnknownToken,
    /// The admin secret, but not as a bearer token (`Basic …`).
    Malformed,
    /// `FIELDCASE_ADMIN_TOKEN`.
    Bootstrap,
    /// Devices of users with each role (all in team-a, area 3205).
    Inspector,
    GridWorker,
    CenterStaff,
    AdminDevice,
    /// An inspector's device, revoked by the admin.
    Revoked,
    /// An inspector's device whose token expired (the device is fine: it could renew).
    Expired,
    /// An inspector's device whose token an admin revoked (the device itself is not revoked).
    TokenRevoked,
}

use Who::*;

const ALL: [Who; 11] = [
    NoToken,
    UnknownToken,
    Malformed,
    Bootstrap,
    Inspector,
    GridWorker,
    CenterStaff,
    AdminDevice,
    Revoked,
    Expired,
    TokenRevoked,
];

impl Who {
    fn tag(self) -> &'static str {
        match self {
            NoToken => "none",
            UnknownToken => "unknown",
            Malformed => "malformed",
            Bootstrap => "bootstrap",
            Inspector => "inspector",
            GridWorker => "grid",
            CenterStaff => "center",
            AdminDevice => "admindev",
            Revoked => "revoked",
            Expired => "expired",
            TokenRevoked => "tokrevoked",
        }
    }

    /// The role of the user behind a device token.
    fn device_role(self) -> Option<&'static str> {
        match self {
            Inspector | Revoked | Expired | TokenRevoked => Some("inspector"),
            GridWorker => Some("grid_worker"),
            CenterStaff => Some("center_staff"),
            AdminDevice => Some("admin"),
            _ => None,
        }
    }
}

/// Who a route is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Access {
    /// Anyone, token or not (the API description; enrollment, whose credential is the one-time
    /// code in the body; the center's public keys, revocation list and credential check).
    Open,
    /// Admin role: the bootstrap token or an admin user's device.
    Admin,
    /// Center staff or admin (the bootstrap token included).
    Center,
    /// A device of a field user (inspector, grid worker): the only ones with field work.
    FieldDevice,
    /// Any enrolled device, whatever its role (the bootstrap token is not a device).
    AnyDevice,
    /// Anyone authenticated.
    Authenticated,
    /// Center staff and admins, or the device whose ops name the blob (here: the inspector's).
    BlobReader,
}

/// What a call must answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    Ok,
    Unauthenticated,
    Forbidden,
}

impl Access {
    fn expect(self, who: Who) -> Expect {
        use Expect::*;
        if self == Access::Open {
            return Ok;
        }
        match who {
            // No credential, one the server cannot read or never issued, one past its expiry or
            // revoked: the device behind the last two may renew, but this token gets nothing.
            NoToken | UnknownToken | Malformed | Expired | TokenRevoked => return Unauthenticated,
            // Known token, but its device may no longer do anything.
            Revoked => return Forbidden,
            _ => {}
        }
        let allowed = match self {
            Access::Open | Access::Authenticated => true,
            Access::Admin => matches!(who, Bootstrap | AdminDevice),
            Access::Center | Access::BlobReader
                if matches!(who, Bootstrap | CenterStaff | AdminDevice) =>
            {
                true
            }
            Access::Center => false,
            Access::BlobReader => who == Inspector,
            Access::FieldDevice => matches!(who, Inspector | GridWorker),
            Access::AnyDevice => who != Bootstrap,
        };
        if allowed { Ok } else { Forbidden }
    }
}

/// Every route and who it is for. A row per method and path of `openapi.json`.
const ROUTES: &[(&str, &str, Access)] = &[
    // The description of the API is public; tools read it without a token or protocol header.
    ("get", "/openapi.json", Access::Open),
    // Users, codes, devices and alerts are the admin's: a user with a lesser role must not
    // create users (or raise their own role), issue codes, revoke devices or read chains.
    ("post", "/v1/admin/users", Access::Admin),
    ("post", "/v1/admin/enrollment-codes", Access::Admin),
    ("get", "/v1/admin/devices/{device_id}", Access::Admin),
    (
        "post",
        "/v1/admin/devices/{device_id}/revoke",
        Access::Admin,
    ),
    ("get", "/v1/admin/alerts", Access::Admin),
    // The blob scrub reads every stored blob back: the admin's.
    ("post", "/v1/admin/blobs/check", Access::Admin),
    // A revoked device's way back, a leaked token's end, and the log of every admin act: the
    // admin's.
    (
        "post",
        "/v1/admin/devices/{device_id}/reinstate",
        Access::Admin,
    ),
    (
        "post",
        "/v1/admin/devices/{device_id}/token/revoke",
        Access::Admin,
    ),
    ("get", "/v1/admin/audit", Access::Admin),
    // The center's signing keys: adding one changes what every verifier trusts.
    ("post", "/v1/admin/center-keys", Access::Admin),
    ("post", "/v1/admin/center-keys/{kid}/retire", Access::Admin),
    // What a party's phone or any verifier needs, with no account: the public keys, the signed
    // revocation list, a token's verdict.
    ("get", "/public/keyring", Access::Open),
    ("get", "/public/revocations", Access::Open),
    ("post", "/public/verify", Access::Open),
    // A new device has no token yet: the one-time code in the body is the credential, so a
    // header (good, bad or revoked) neither helps nor hurts.
    ("post", "/v1/enroll", Access::Open),
    // Renewal and the device's status check carry their credential in the body (a request
    // signed by the device's enrolled key): an expired or revoked token is exactly when they are
    // needed, so the header neither helps nor hurts.
    ("post", "/v1/token/renew", Access::Open),
    ("post", "/v1/device/status", Access::Open),
    // Signing out revokes the caller's own device token; the bootstrap token has none.
    ("post", "/v1/token/revoke", Access::AnyDevice),
    // Reference data, dispatch, review and conflicts are the center's (staff and admins); field
    // users get their share through pull, and never write center-side fields.
    ("post", "/v1/enterprises", Access::Center),
    ("get", "/v1/enterprises", Access::Center),
    ("get", "/v1/enterprises/{id}", Access::Center),
    ("get", "/v1/tasks", Access::Center),
    ("get", "/v1/tasks/{id}/nearest", Access::Center),
    ("get", "/v1/teams", Access::Center),
    ("get", "/v1/draws", Access::Center),
    ("post", "/v1/draws", Access::Center),
    ("get", "/v1/draws/{id}", Access::Center),
    ("get", "/v1/draws/{id}/verify", Access::Center),
    ("get", "/v1/ledgers/{kind}", Access::Center),
    ("post", "/v1/officers", Access::Center),
    // Credentials are the center's to list and withdraw; a field user never revokes one.
    ("get", "/v1/credentials", Access::Center),
    ("post", "/v1/credentials/{number}/revoke", Access::Center),
    ("post", "/v1/tasks", Access::Center),
    ("patch", "/v1/tasks/{id}", Access::Center),
    ("get", "/v1/cases", Access::Center),
    ("get", "/v1/cases/{id}", Access::Center),
    ("post", "/v1/cases/{id}/review", Access::Center),
    (
        "get",
        "/v1/cases/{id}/transcripts/{transcript_id}/{version}/pdf",
        Access::Center,
    ),
    ("get", "/v1/alerts", Access::Center),
    ("get", "/v1/conflicts", Access::Center),
    ("post", "/v1/conflicts/{id}/resolve", Access::Center),
    // Field work (audit-chain links and the evidence they name) comes from field devices only:
    // a center or admin user's device opening cases would write legal records as if it were an
    // inspector (`Role::in_field`).
    ("post", "/v1/sync/push", Access::FieldDevice),
    ("patch", "/v1/blobs/{sha256}", Access::FieldDevice),
    // Pull answers the device user's own scope (their team's tasks, their area's reference
    // data, their own cases), so any device may ask; the bootstrap token has no scope.
    ("get", "/v1/sync/pull", Access::AnyDevice),
    // How much of a blob the center holds, by its content hash: nothing beyond what the name
    // (the hash of the bytes) already tells.
    ("head", "/v1/blobs/{sha256}", Access::Authenticated),
    // The bytes: the center, or the device whose own ops name the blob.
    ("get", "/v1/blobs/{sha256}", Access::BlobReader),
];

/// The methods an OpenAPI path item can hold.
const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// `(method, path)` of every operation `openapi.json` describes.
fn described_routes() -> BTreeSet<(String, String)> {
    let doc: Value =
        serde_json::from_str(include_str!("../api/openapi.json")).expect("openapi.json parses");
    let mut out = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for m in METHODS {
            if item.get(m).is_some() {
                out.insert((m.to_string(), path.clone()));
            }
        }
    }
    out
}

/// The table covers exactly the routes described: no route without its rule, no stale row.
#[test]
fn every_described_route_has_a_rule() {
    let described = described_routes();
    let ruled: BTreeSet<(String, String)> = ROUTES
        .iter()
        .map(|(m, p, _)| (m.to_string(), p.to_string()))
        .collect();
    let missing: Vec<String> = described
        .difference(&ruled)
        .map(|(m, p)| format!("{} {p}", m.to_uppercase()))
        .collect();
    assert!(
        missing.is_empty(),
        "routes in openapi.json without a row in ROUTES (tests/authz.rs): {missing:?}"
    );
    let stale: Vec<String> = ruled
        .difference(&described)
        .map(|(m, p)| format!("{} {p}", m.to_uppercase()))
        .collect();
    assert!(
        stale.is_empty(),
        "rows in ROUTES for routes openapi.json does not describe: {stale:?}"
    );
    assert_eq!(ROUTES.len(), ruled.len(), "a route has two rows");
}

/// A request body.
enum Body {
    Empty,
    Json(Value),
    /// A blob upload from offset 0.
    Upload(Vec<u8>),
}

/// One HTTP call with a raw `authorization` header (or none).
fn send(method: &str, url: &str, auth: Option<&str>, body: Body) -> (u16, Value) {
    let mut req = ureq::request(method, url).set("fieldcase-protocol", "1");
    if let Some(a) = auth {
        req = req.set("authorization", a);
    }
    let r = match body {
        Body::Empty => req.call(),
        Body::Json(v) => req
            .set("content-type", "application/json")
            .send_string(&v.to_string()),
        Body::Upload(bytes) => req
            .set("upload-offset", "0")
            .set("upload-length", &bytes.len().to_string())
            .send_bytes(&bytes),
    };
    let json = |resp: ureq::Response| {
        let s = resp.into_string().unwrap_or_default();
        serde_json::from_str(&s).unwrap_or(Value::Null)
    };
    match r {
        Ok(resp) => (resp.status(), json(resp)),
        Err(ureq::Error::Status(c, resp)) => (c, json(resp)),
        Err(e) => panic!("{method} {url}: {e}"),
    }
}

/// The blob a principal tries to upload (distinct per principal, so each refusal is checked
/// against a name nobody else touched).
fn upload_bytes(who: Who) -> Vec<u8> {
    format!("evidence uploaded by {}", who.tag()).into_bytes()
}

/// A copy of a device's chain state under its id and key, without its token: the next op it
/// builds is a valid, signed continuation of that device's chain.
fn shadow(d: &Dev) -> Dev {
    Dev {
        id: d.id.clone(),
        key: KeyPair::from_seed_unchecked([d.n; 32]).unwrap(),
        token: String::new(),
        seq: d.seq,
        prev: d.prev.clone(),
        n: d.n,
        base: d.base.clone(),
    }
}

/// Renews `d`'s token with its key; answers the new token.
fn renew_token(base: &str, d: &Dev) -> String {
    let req = RenewRequest::signed(1, &d.id, now_ms(), &d.key).unwrap();
    let (st, r) = call(
        "POST",
        &format!("{base}/v1/token/renew"),
        None,
        Some(serde_json::to_value(req).unwrap()),
    );
    assert_eq!(st, 200, "{r}");
    r["token"].as_str().unwrap().to_string()
}

/// Gives `d` a token that has expired: a second server on the same database, configured with
/// tokens that live under a second, renews it (replicas share the database, so the expiry is
/// the one every replica sees); it is past that by the time this returns.
fn expire_token(s: &Server, d: &mut Dev) {
    let db = match (&s.pg, &s.blobs) {
        (Some(url), _) => url.clone(),
        (None, Blobs::Local(blobs)) => {
            format!(
                "sqlite:{}",
                blobs.parent().unwrap().join("center.db").display()
            )
        }
        (None, Blobs::S3(_)) => unreachable!("the matrix keeps blobs in a folder"),
    };
    let short = spawn_flags(
        tempfile::tempdir().unwrap(),
        &db,
        None,
        None,
        &["--token-ttl-days", "0.00001"],
    );
    d.token = renew_token(&short.base, d);
    drop(short);
    std::thread::sleep(std::time::Duration::from_millis(1000));
    let (st, r) = d.pull(0);
    assert_eq!(
        (st, r["code"].as_str()),
        (401, Some("token.expired")),
        "{r}"
    );
}

/// Everything the matrix needs on one server.
struct Ctx<'a> {
    s: &'a Server,
    /// The device behind each device principal.
    devs: BTreeMap<Who, Dev>,
    /// An inspector that only reads (its pull tells the head of the change log).
    observer: Dev,
    /// Per principal: a device it tries to revoke, a conflict it tries to resolve, a task whose
    /// status it tries to set, and a one-time code it enrolls with.
    victims: BTreeMap<Who, String>,
    conflicts: BTreeMap<Who, String>,
    codes: BTreeMap<Who, String>,
    /// A blob the inspector uploaded and named in an op of its case `C-A` (on task T-A).
    blob: String,
    /// A recorded double-random draw.
    draw: String,
    /// Per principal: a center key it tries to retire, a credential number it tries to revoke.
    kids: BTreeMap<Who, String>,
    numbers: BTreeMap<Who, String>,
    /// A credential token the center issued.
    token: String,
    /// Per principal: a device whose token it renews (and whose status it asks), and a revoked
    /// device it reinstates.
    renewers: BTreeMap<Who, Dev>,
    reinstated: BTreeMap<Who, String>,
}

impl<'a> Ctx<'a> {
    fn new(s: &'a Server) -> Self {
        setup_tasks(s);
        let mut n = 10u8;
        let mut next = || {
            n += 1;
            n
        };
        let mut devs = BTreeMap::new();
        for who in ALL {
            if let Some(role) = who.device_role() {
                let user = format!("u-{}", who.tag());
                devs.insert(
                    who,
                    s.enroll_as(&user, role, Some("team-a"), "3205", next()),
                );
            }
        }
        let observer = s.enroll_as("u-observer", "inspector", Some("team-a"), "3205", next());
        let (st, r) = s.admin(
            "POST",
            &format!("/v1/admin/devices/{}/revoke", devs[&Revoked].id),
            None,
        );
        assert_eq!(st, 200, "{r}");
        let (st, r) = s.admin(
            "POST",
            &format!("/v1/admin/devices/{}/token/revoke", devs[&TokenRevoked].id),
            None,
        );
        assert_eq!(st, 200, "{r}");
        expire_token(s, devs.get_mut(&Expired).unwrap());

        // Per principal: a device to revoke, a dispatched task to patch, a task with a conflict
        // (an illegal status change, dispatched -> done, is kept as a conflict record), a code.
        let mut victims = BTreeMap::new();
        let mut conflicts = BTreeMap::new();
        let mut codes = BTreeMap::new();
        let tasks: Vec<Value> = ALL
            .iter()
            .flat_map(|w| {
                ["T-P", "T-X"].map(|p| json!({
                    "id": format!("{p}-{}", w.tag()), "team": "team-x", "enterprise_id": "E-1",
                    "procedure": "inspection", "officers": [], "due": "2026-11-25", "source": "complaint",
                }))
            })
            .collect();
        let (st, r) = s.admin("POST", "/v1/tasks", Some(Value::Array(tasks)));
        assert_eq!(st, 200, "{r}");
        for who in ALL {
            let tag = who.tag();
            let v = s.enroll_as(
                &format!("victim-{tag}"),
                "inspector",
                Some("team-a"),
                "3205",
                next(),
            );
            victims.insert(who, v.id);
            let (st, r) = s.admin(
                "PATCH",
                &format!("/v1/tasks/T-X-{tag}"),
                Some(json!({"field": "status", "value": "done", "seen": 1_000_000})),
            );
            assert_eq!(st, 200, "{r}");
            conflicts.insert(who, r["conflict"].as_str().expect("a conflict").to_string());
            let user = format!("enrolling-{tag}");
            s.admin(
                "POST",
                "/v1/admin/users",
                Some(json!({"user_id": user, "name": "李娜", "role": "inspector", "area": "3205", "team": "team-a", "officer_id": null})),
            );
            let (st, r) = s.admin(
                "POST",
                "/v1/admin/enrollment-codes",
                Some(json!({"user_id": user})),
            );
            assert_eq!(st, 200, "{r}");
            codes.insert(who, r["code"].as_str().unwrap().to_string());
        }

        // The inspector's case on its team's task, with a photo its op names.
        let insp = devs.get_mut(&Inspector).unwrap();
        let photo = b"photo of the outfall".to_vec();
        let blob = Sha256::of(&photo).to_string();
        let (st, r) = send(
            "PATCH",
            &format!("{}/v1/blobs/{blob}", s.base),
            Some(&format!("Bearer {}", insp.token)),
            Body::Upload(photo),
        );
        assert_eq!((st, r["complete"].as_bool()), (200, Some(true)), "{r}");
        let open = insp.op(Some("C-A"), "case_opened", &opened("T-A"), 0);
        let mut note = insp.op(Some("C-A"), "note", &json!({"photo": blob}).to_string(), 0);
        note["blobs"] = json!([blob]);
        // A transcript version (its PDF is one of the routes).
        let draft = json!({"body": {"op": "transcript_drafted", "transcript_id": "TR-A",
            "kind": "onsite", "interview_id": null,
            "version": {"version": 1, "content": {"narrative": "现场检查情况"},
                "content_hash": "0".repeat(64), "drafted_at": "2026-11-23T09:04:22+08:00",
                "signatures": []}}});
        let draft = insp.op(Some("C-A"), "transcript_drafted", &draft.to_string(), 0);
        let (st, r) = insp.push(vec![open, note, draft]);
        assert_eq!(st, 200, "{r}");
        assert_eq!(r["results"][1]["outcome"], "applied", "{r}");
        // A case per principal for its review step (each starts received).
        let reviewed: Vec<Value> = ALL
            .iter()
            .map(|w| {
                insp.op(
                    Some(&format!("C-R-{}", w.tag())),
                    "case_opened",
                    &opened("T-A"),
                    0,
                )
            })
            .collect();
        let (st, r) = insp.push(reviewed);
        assert_eq!(st, 200, "{r}");

        let (st, r) = s.admin(
            "POST",
            "/v1/draws",
            Some(
                json!({"name": "季度抽查", "year": 2026, "area": "3205", "ratio_percent": 50,
                        "supervisor": "法制科", "due": "2026-12-31", "seed": "setup-seed-0001",
                        "annual_cap": 1000}),
            ),
        );
        assert_eq!(st, 200, "{r}");
        let draw = r["id"].as_str().expect("draw id").to_string();

        // Per principal: a center key to retire and an officer's credential to revoke.
        let mut kids = BTreeMap::new();
        let mut numbers = BTreeMap::new();
        let mut roster = Vec::new();
        for who in ALL {
            let (st, r) = s.admin("POST", "/v1/admin/center-keys", None);
            assert_eq!(st, 200, "{r}");
            kids.insert(who, r["kid"].as_str().unwrap().to_string());
            let number = format!("R-{}", who.tag());
            roster.push(json!({"id": format!("O-R-{}", who.tag()), "name": "孙七",
                "agency": "苏州市生态环境局", "credential": {"number": number,
                "kind": "中华人民共和国行政执法证", "valid_from": "2024-01-01",
                "valid_to": "2099-12-31", "areas": ["3205"]}}));
            numbers.insert(who, number);
        }
        let (st, r) = s.admin("POST", "/v1/officers", Some(Value::Array(roster)));
        assert_eq!(st, 200, "{r}");
        let token = r["tokens"]["O-R-none"].as_str().unwrap().to_string();

        let mut renewers = BTreeMap::new();
        let mut reinstated = BTreeMap::new();
        for who in ALL {
            let tag = who.tag();
            let r = s.enroll_as(
                &format!("renewer-{tag}"),
                "inspector",
                Some("team-a"),
                "3205",
                next(),
            );
            renewers.insert(who, r);
            let d = s.enroll_as(
                &format!("reinstated-{tag}"),
                "inspector",
                Some("team-a"),
                "3205",
                next(),
            );
            let (st, r) = s.admin("POST", &format!("/v1/admin/devices/{}/revoke", d.id), None);
            assert_eq!(st, 200, "{r}");
            reinstated.insert(who, d.id);
        }
        Ctx {
            s,
            devs,
            observer,
            victims,
            conflicts,
            codes,
            blob,
            draw,
            kids,
            numbers,
            token,
            renewers,
            reinstated,
        }
    }

    /// What a device does after `who`'s call succeeded: one that signed out renews its token
    /// with its key (the way the app does), so its later calls are still its own.
    fn after(&mut self, method: &str, path: &str, who: Who) {
        if (method, path) == ("post", "/v1/token/revoke") {
            let d = self.devs.get_mut(&who).expect("a device signed out");
            d.token = renew_token(&self.s.base, d);
        }
    }

    fn auth(&self, who: Who) -> Option<String> {
        match who {
            NoToken => None,
            UnknownToken => Some("Bearer 0123456789abcdef-not-a-token".into()),
            // The real admin secret, but not sent as a bearer token.
            Malformed => Some(format!("Basic {ADMIN}")),
            Bootstrap => Some(format!("Bearer {ADMIN}")),
            d => Some(format!("Bearer {}", self.devs[&d].token)),
        }
    }

    /// The call `who` makes of `method path`, with input that succeeds when `who` is allowed.
    fn request(&mut self, method: &str, path: &str, who: Who) -> (String, Body) {
        let tag = who.tag();
        let insp = self.devs[&Inspector].id.clone();
        let j = |v: Value| Body::Json(v);
        match (method, path) {
            ("get", "/openapi.json") => (path.into(), Body::Empty),
            ("post", "/v1/admin/users") => (
                path.into(),
                j(
                    json!({"user_id": format!("made-by-{tag}"), "name": "王五", "role": "admin",
                         "area": "3205", "team": null, "officer_id": null}),
                ),
            ),
            ("post", "/v1/admin/enrollment-codes") => {
                (path.into(), j(json!({"user_id": "u-inspector"})))
            }
            ("get", "/v1/admin/devices/{device_id}") => {
                (format!("/v1/admin/devices/{insp}"), Body::Empty)
            }
            ("post", "/v1/admin/devices/{device_id}/revoke") => (
                format!("/v1/admin/devices/{}/revoke", self.victims[&who]),
                Body::Empty,
            ),
            ("get", "/v1/admin/alerts") => (path.into(), Body::Empty),
            ("post", "/v1/admin/blobs/check") => (path.into(), Body::Empty),
            ("post", "/v1/admin/devices/{device_id}/reinstate") => (
                format!("/v1/admin/devices/{}/reinstate", self.reinstated[&who]),
                Body::Empty,
            ),
            ("post", "/v1/admin/devices/{device_id}/token/revoke") => (
                format!("/v1/admin/devices/{}/token/revoke", self.victims[&who]),
                Body::Empty,
            ),
            ("get", "/v1/admin/audit") => ("/v1/admin/audit?limit=5".into(), Body::Empty),
            ("post", "/v1/token/renew") => {
                let d = &self.renewers[&who];
                let req = RenewRequest::signed(1, &d.id, now_ms(), &d.key).unwrap();
                (path.into(), j(serde_json::to_value(req).unwrap()))
            }
            ("post", "/v1/device/status") => {
                let d = &self.renewers[&who];
                let req = DeviceStatusRequest::signed(&d.id, now_ms(), &d.key).unwrap();
                (path.into(), j(serde_json::to_value(req).unwrap()))
            }
            ("post", "/v1/token/revoke") => (path.into(), Body::Empty),
            ("post", "/v1/enroll") => {
                let key = KeyPair::from_seed_unchecked([200 + who as u8; 32]).unwrap();
                (
                    path.into(),
                    j(enroll_body(
                        &self.codes[&who],
                        &format!("enrolled-by-{tag}"),
                        &key,
                        "手机",
                    )),
                )
            }
            ("post", "/v1/enterprises") => (
                path.into(),
                j(json!([enterprise(&format!("E-{tag}"), "320506", "某厂")])),
            ),
            ("post", "/v1/officers") => (
                path.into(),
                j(
                    json!([{"id": format!("O-{tag}"), "name": "赵六", "agency": "苏州市生态环境局",
                          "credential": {"number": format!("N-{tag}"), "kind": "地方行政执法证",
                                         "valid_from": "2024-01-01", "valid_to": "2099-12-31",
                                         "areas": ["3205"]}}]),
                ),
            ),
            ("get", "/v1/credentials") => (path.into(), Body::Empty),
            ("post", "/v1/credentials/{number}/revoke") => (
                format!("/v1/credentials/{}/revoke", self.numbers[&who]),
                j(json!({"reason": "调离执法岗位"})),
            ),
            ("post", "/v1/admin/center-keys") => (path.into(), Body::Empty),
            ("post", "/v1/admin/center-keys/{kid}/retire") => (
                format!("/v1/admin/center-keys/{}/retire", self.kids[&who]),
                Body::Empty,
            ),
            ("get", "/public/keyring") | ("get", "/public/revocations") => {
                (path.into(), Body::Empty)
            }
            ("post", "/public/verify") => (path.into(), j(json!({"token": self.token}))),
            ("post", "/v1/tasks") => (
                path.into(),
                j(
                    json!([{"id": format!("T-N-{tag}"), "team": "team-a", "enterprise_id": "E-1",
                          "procedure": "inspection", "officers": [], "due": "2026-12-01",
                          "source": "complaint"}]),
                ),
            ),
            ("patch", "/v1/tasks/{id}") => (
                format!("/v1/tasks/T-P-{tag}"),
                j(json!({"field": "status", "value": "cancelled", "seen": 1_000_000})),
            ),
            ("get", "/v1/cases") => (path.into(), Body::Empty),
            ("get", "/v1/cases/{id}") => ("/v1/cases/C-A".into(), Body::Empty),
            ("post", "/v1/cases/{id}/review") => (
                format!("/v1/cases/C-R-{tag}/review"),
                j(json!({"state": "under_review"})),
            ),
            ("get", "/v1/cases/{id}/transcripts/{transcript_id}/{version}/pdf") => {
                ("/v1/cases/C-A/transcripts/TR-A/1/pdf".into(), Body::Empty)
            }
            ("get", "/v1/alerts") => (path.into(), Body::Empty),
            ("get", "/v1/enterprises") => ("/v1/enterprises?q=E".into(), Body::Empty),
            ("get", "/v1/enterprises/{id}") => ("/v1/enterprises/E-1".into(), Body::Empty),
            ("get", "/v1/tasks") => ("/v1/tasks?status=dispatched".into(), Body::Empty),
            ("get", "/v1/tasks/{id}/nearest") => ("/v1/tasks/T-A/nearest".into(), Body::Empty),
            ("get", "/v1/teams") => (path.into(), Body::Empty),
            ("get", "/v1/draws") => (path.into(), Body::Empty),
            // A rehearsal: recorded, but no task is made.
            ("post", "/v1/draws") => (
                path.into(),
                j(
                    json!({"name": format!("抽查-{tag}"), "year": 2026, "area": "3205",
                         "ratio_percent": 100, "supervisor": "法制科", "due": "2026-12-31",
                         "seed": format!("seed-of-{tag}"), "create_tasks": false,
                         "annual_cap": 1000}),
                ),
            ),
            ("get", "/v1/draws/{id}") => (format!("/v1/draws/{}", self.draw), Body::Empty),
            ("get", "/v1/draws/{id}/verify") => {
                (format!("/v1/draws/{}/verify", self.draw), Body::Empty)
            }
            ("get", "/v1/ledgers/{kind}") => {
                ("/v1/ledgers/findings?format=xlsx".into(), Body::Empty)
            }
            ("get", "/v1/conflicts") => (path.into(), Body::Empty),
            ("post", "/v1/conflicts/{id}/resolve") => (
                format!("/v1/conflicts/{}/resolve", self.conflicts[&who]),
                j(json!({"resolution": "keep", "note": "复核：维持原状态"})),
            ),
            ("post", "/v1/sync/push") => {
                // A device pushes the next link of its own chain; a principal without a device
                // replays the next link of the inspector's chain, validly signed.
                let mut shadowed;
                let d = match self.devs.get_mut(&who) {
                    Some(d) => d,
                    None => {
                        shadowed = shadow(&self.devs[&Inspector]);
                        &mut shadowed
                    }
                };
                let op = d.op(
                    Some(&format!("C-push-{tag}")),
                    "case_opened",
                    &opened("T-A"),
                    0,
                );
                (
                    path.into(),
                    j(json!({"protocol": 1, "device_id": d.id, "ops": [op]})),
                )
            }
            ("get", "/v1/sync/pull") => ("/v1/sync/pull?cursor=0".into(), Body::Empty),
            ("head", "/v1/blobs/{sha256}") | ("get", "/v1/blobs/{sha256}") => {
                (format!("/v1/blobs/{}", self.blob), Body::Empty)
            }
            ("patch", "/v1/blobs/{sha256}") => {
                let bytes = upload_bytes(who);
                (
                    format!("/v1/blobs/{}", Sha256::of(&bytes)),
                    Body::Upload(bytes),
                )
            }
            _ => panic!("no request built for {method} {path}: add one to Ctx::request"),
        }
    }

    /// What the center holds, as far as its API shows it: the head of the change log, cases,
    /// conflicts, alerts, every device's chain head and revocation, and the things only `who`'s
    /// own calls would have made (its user, its upload).
    fn state(&self, who: Who) -> Value {
        let s = self.s;
        let (st, pull) = self.observer.pull(0);
        assert_eq!(st, 200, "{pull}");
        let admin = |m: &str, p: &str| {
            let (st, v) = s.admin(m, p, None);
            assert_eq!(st, 200, "{m} {p}: {v}");
            v
        };
        let mut devices = BTreeMap::new();
        for id in self
            .devs
            .values()
            .map(|d| d.id.clone())
            .chain(self.victims.values().cloned())
            .chain(self.reinstated.values().cloned())
        {
            let chain = admin("GET", &format!("/v1/admin/devices/{id}"));
            devices.insert(id, json!([chain["revoked"], chain["last_seq"]]));
        }
        let (made, _) = s.admin(
            "POST",
            "/v1/admin/enrollment-codes",
            Some(json!({"user_id": format!("made-by-{}", who.tag())})),
        );
        let sha = Sha256::of(&upload_bytes(who)).to_string();
        let (upload, _) = s.admin("HEAD", &format!("/v1/blobs/{sha}"), None);
        let (_, keyring) = s.admin("GET", "/public/keyring", None);
        let (_, revocations) = s.admin("GET", "/public/revocations", None);
        // Every admin and review action appends to the audit log: a refused one must not. The
        // code made above to probe for `who`'s user is an action too: its entries are not counted.
        let audit = admin("GET", "/v1/admin/audit?limit=1");
        let probes = admin(
            "GET",
            &format!(
                "/v1/admin/audit?action=enrollment_code.create&target=made-by-{}&limit=1000",
                who.tag()
            ),
        );
        let probes = probes["entries"].as_array().map_or(0, Vec::len) as i64;
        let entries = audit["chain_entries"].as_i64().unwrap_or(-1) - probes;
        json!({
            "audit": [entries, audit["chain_ok"]],
            "keyring": keyring,
            "revocations": revocations,
            "log_head": pull["cursor"],
            "cases": admin("GET", "/v1/cases"),
            "conflicts": admin("GET", "/v1/conflicts"),
            "alerts": admin("GET", "/v1/admin/alerts"),
            "draws": admin("GET", "/v1/draws"),
            "devices": devices,
            "user_made_status": made,
            "upload_status": upload,
        })
    }
}

/// What differs between two [`Ctx::state`]s, briefly.
fn changed(before: &Value, after: &Value) -> String {
    let (Some(b), Some(a)) = (before.as_object(), after.as_object()) else {
        return format!("{before} -> {after}");
    };
    let mut out = Vec::new();
    for (k, was) in b {
        let now = &a[k];
        match (was, now) {
            _ if was == now => {}
            (Value::Array(x), Value::Array(y)) => {
                out.push(format!("{k}: {} -> {} items", x.len(), y.len()))
            }
            (Value::Object(x), Value::Object(y)) => {
                for (id, v) in x {
                    if y.get(id) != Some(v) {
                        out.push(format!("{k}[{id}]: {v} -> {}", y[id]));
                    }
                }
            }
            _ => out.push(format!("{k}: {was} -> {now}")),
        }
    }
    out.join("; ")
}

/// Every route of `openapi.json` × every principal. Within a route the refused principals go
/// first, so a refused write that slipped through is not hidden behind an allowed one.
fn matrix(s: &Server) {
    let mut ctx = Ctx::new(s);
    let rules: BTreeMap<(String, String), Access> = ROUTES
        .iter()
        .map(|(m, p, a)| ((m.to_string(), p.to_string()), *a))
        .collect();
    let mut failures = Vec::new();
    let mut pairs = 0;
    for (method, path) in described_routes() {
        let Some(&access) = rules.get(&(method.clone(), path.clone())) else {
            panic!(
                "{} {path} is in openapi.json but has no row in ROUTES",
                method.to_uppercase()
            )
        };
        let mut order = ALL.to_vec();
        order.sort_by_key(|w| access.expect(*w) == Expect::Ok);
        for who in order {
            pairs += 1;
            let expect = access.expect(who);
            let before = (expect != Expect::Ok).then(|| ctx.state(who));
            let chains: Vec<(i64, String)> =
                ctx.devs.values().map(|d| (d.seq, d.prev.clone())).collect();
            let (url, body) = ctx.request(&method, &path, who);
            let auth = ctx.auth(who);
            let (st, resp) = send(
                &method.to_uppercase(),
                &format!("{}{url}", s.base),
                auth.as_deref(),
                body,
            );
            let what = format!("{} {url} as {who:?}", method.to_uppercase());
            let wanted = match expect {
                Expect::Ok => 200,
                Expect::Unauthenticated => 401,
                Expect::Forbidden => 403,
            };
            if st != wanted {
                failures.push(format!("{what}: {st} (want {wanted}) {resp}"));
            }
            if st == 200 {
                ctx.after(&method, &path, who);
            }
            if let Some(before) = before {
                // A refusal is an auth refusal, and nothing it asked for happened.
                let code = resp["code"].as_str().unwrap_or("");
                let want_code = match who {
                    Expired => "token.expired",
                    TokenRevoked => "token.revoked",
                    _ => "auth.",
                };
                if method != "head" && !code.starts_with(want_code) {
                    failures.push(format!("{what}: refusal code {code:?}, not {want_code}*"));
                }
                let after = ctx.state(who);
                if after != before {
                    failures.push(format!(
                        "{what}: refused ({st}) but the center changed: {}",
                        changed(&before, &after)
                    ));
                }
                // The device's link was not taken: its next push reuses the seq.
                for (d, (seq, prev)) in ctx.devs.values_mut().zip(chains) {
                    d.seq = seq;
                    d.prev = prev;
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {pairs} route × principal pairs wrong:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(pairs, described_routes().len() * ALL.len());
}

/// Scope beyond role: a team sees its own work only, a token pushes for its own device only, a
/// user cannot raise their own role, a revoked device cannot come back with a new code.
fn scope_beyond_role(s: &Server) {
    setup_tasks(s);
    let mut a = s.enroll("u-a", "team-a", "3205", 1);
    let mut b = s.enroll("u-b", "team-b", "3201", 2);
    let grid = s.enroll_as("u-grid", "grid_worker", Some("team-a"), "3205", 3);

    // Team b's inspector opens a case on T-B with a photo.
    let photo = b"team b evidence".to_vec();
    let sha = Sha256::of(&photo).to_string();
    let (st, r) = send(
        "PATCH",
        &format!("{}/v1/blobs/{sha}", s.base),
        Some(&format!("Bearer {}", b.token)),
        Body::Upload(photo.clone()),
    );
    assert_eq!(st, 200, "{r}");
    let open = b.op(Some("C-B"), "case_opened", &opened("T-B"), 0);
    let mut note = b.op(Some("C-B"), "note", &json!({"photo": sha}).to_string(), 0);
    note["blobs"] = json!([sha]);
    let (st, r) = b.push(vec![open, note]);
    assert_eq!(st, 200, "{r}");
    assert_eq!(r["results"][0]["outcome"], "applied", "{r}");
    let get_blob = |token: &str| {
        send(
            "GET",
            &format!("{}/v1/blobs/{sha}", s.base),
            Some(&format!("Bearer {token}")),
            Body::Empty,
        )
        .0
    };
    // The owning device reads its blob; team a's inspector and grid worker do not.
    assert_eq!(get_blob(&b.token), 200);
    assert_eq!(get_blob(&a.token), 403);
    assert_eq!(get_blob(&grid.token), 403);

    // Team a's pull holds team a's task and nothing of team b's task or case.
    for d in [&a, &grid] {
        let (st, p) = d.pull(0);
        assert_eq!(st, 200, "{p}");
        let ids: Vec<(&str, &str)> = p["changes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| (c["entity"].as_str().unwrap(), c["id"].as_str().unwrap()))
            .collect();
        assert!(ids.contains(&("task", "T-A")), "{ids:?}");
        assert!(
            !ids.iter().any(|(_, id)| ["T-B", "C-B", "E-2"].contains(id)),
            "team a sees team b's work: {ids:?}"
        );
        // Nor does a later (incremental) pull.
        let (_, p) = d.pull(1);
        assert!(
            !p.to_string().contains("C-B") && !p.to_string().contains("T-B"),
            "{p}"
        );
    }
    // Team b's pull has its own case.
    let (_, p) = b.pull(0);
    assert!(
        p["changes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["id"] == "C-B"),
        "{p}"
    );

    // Opening a case on another team's task is rejected: no case is made.
    let out = a.op(Some("C-X"), "case_opened", &opened("T-B"), 0);
    let (st, r) = a.push(vec![out]);
    assert_eq!(
        (st, r["results"][0]["outcome"].as_str()),
        (200, Some("rejected")),
        "{r}"
    );
    let (_, cases) = s.admin("GET", "/v1/cases", None);
    assert!(!cases.to_string().contains("C-X"), "{cases}");
    // Nor does naming team b's blob in an op the center rejects open the blob to team a.
    let mut peek = a.op(
        Some("C-Y"),
        "case_opened",
        &json!({"body": {"case": {"task_id": "T-B", "enterprise_id": "E-2"}}, "photo": sha})
            .to_string(),
        0,
    );
    peek["blobs"] = json!([sha]);
    let (st, r) = a.push(vec![peek]);
    assert_eq!(
        (st, r["results"][0]["outcome"].as_str()),
        (200, Some("rejected")),
        "{r}"
    );
    assert_eq!(
        get_blob(&a.token),
        403,
        "a rejected op opened another team's blob"
    );

    // A token pushes for its own device only: team a's token with team b's device id and a link
    // validly signed by team b's key is refused, and neither chain moves.
    let chain = |id: &str| s.admin("GET", &format!("/v1/admin/devices/{id}"), None).1;
    let (a_before, b_before) = (chain(&a.id), chain(&b.id));
    let mut forged = shadow(&b);
    let op = forged.op(Some("C-B"), "closed", "{}", 0);
    let (st, r) = send(
        "POST",
        &format!("{}/v1/sync/push", s.base),
        Some(&format!("Bearer {}", a.token)),
        Body::Json(json!({"protocol": 1, "device_id": b.id, "ops": [op]})),
    );
    assert_eq!(
        (st, r["code"].as_str()),
        (403, Some("auth.forbidden")),
        "{r}"
    );
    assert_eq!((chain(&a.id), chain(&b.id)), (a_before, b_before));
    let (_, case) = s.admin("GET", "/v1/cases/C-B", None);
    assert_eq!(case["status"], "open", "{case}");

    // A user cannot raise their own role: the inspector re-posting itself as admin is refused
    // and is still refused the admin routes.
    let (st, _) = send(
        "POST",
        &format!("{}/v1/admin/users", s.base),
        Some(&format!("Bearer {}", a.token)),
        Body::Json(
            json!({"user_id": "u-a", "name": "张伟", "role": "admin", "area": "3205",
                          "team": "team-a", "officer_id": null}),
        ),
    );
    assert_eq!(st, 403);
    let (st, _) = call(
        "GET",
        &format!("{}/v1/admin/alerts", s.base),
        Some(&a.token),
        None,
    );
    assert_eq!(st, 403);

    // A grid worker neither patches a task nor resolves a conflict; the task and the conflict
    // stay as they were.
    // (T-A is still dispatched: dispatched -> done is illegal and kept as a conflict.)
    let (st, r) = s.admin(
        "PATCH",
        "/v1/tasks/T-A",
        Some(json!({"field": "status", "value": "done", "seen": 1_000_000})),
    );
    assert_eq!(st, 200, "{r}");
    let conflict = r["conflict"]
        .as_str()
        .expect("dispatched -> done is a conflict")
        .to_string();
    let (st, _) = call(
        "PATCH",
        &format!("{}/v1/tasks/T-A", s.base),
        Some(&grid.token),
        Some(json!({"field": "status", "value": "cancelled", "seen": 1_000_000})),
    );
    assert_eq!(st, 403);
    let (st, _) = call(
        "POST",
        &format!("{}/v1/conflicts/{conflict}/resolve", s.base),
        Some(&grid.token),
        Some(json!({"resolution": "take_other", "note": ""})),
    );
    assert_eq!(st, 403);
    let (_, p) = grid.pull(0);
    let t_a = p["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "T-A")
        .expect("T-A pulled");
    assert_eq!(t_a["value"]["status"], "dispatched", "{t_a}");
    let (_, list) = s.admin("GET", "/v1/conflicts", None);
    let c = list
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == conflict.as_str())
        .expect("conflict listed");
    assert!(c["resolution"].is_null(), "{c}");

    // Device `d`'s id and key enrolled again with a fresh code of `user`.
    let enroll_again = |d: &Dev, user: &str| {
        let (_, code) = s.admin(
            "POST",
            "/v1/admin/enrollment-codes",
            Some(json!({"user_id": user})),
        );
        call(
            "POST",
            &format!("{}/v1/enroll", s.base),
            None,
            Some(enroll_body(
                code["code"].as_str().unwrap(),
                &d.id,
                &d.key,
                "平板",
            )),
        )
    };
    let pull_cases = |token: &str| -> Vec<String> {
        let (st, p) = call(
            "GET",
            &format!("{}/v1/sync/pull", s.base),
            Some(token),
            None,
        );
        assert_eq!(st, 200, "{p}");
        pulled_ids(&p, "case")
    };
    // Team b's device id and public key are no secret. Presented with a fresh code of team
    // a's user they are refused, and nothing changes: b's token still works and b's cases are
    // still b's alone. A code of b's own user re-enrolls the device (a reinstall).
    let (st, r) = enroll_again(&b, "u-a");
    assert_eq!(st, 403, "{r}");
    assert!(r["en"].as_str().unwrap().contains("another user"), "{r}");
    assert_eq!(pull_cases(&b.token), vec!["C-B".to_string()]);
    let (st, r) = enroll_again(&b, "u-b");
    assert_eq!(st, 200, "{r}");
    assert_eq!(r["user"]["user_id"], "u-b", "{r}");
    assert_eq!(
        pull_cases(r["token"].as_str().unwrap()),
        vec!["C-B".to_string()]
    );

    // A revoked device cannot enroll again under its id, even with a fresh code.
    s.admin("POST", &format!("/v1/admin/devices/{}/revoke", a.id), None);
    let (st, r) = enroll_again(&a, "u-a");
    assert_eq!(st, 403, "{r}");
    assert_eq!(
        call(
            "GET",
            &format!("{}/v1/sync/pull", s.base),
            Some(&a.token),
            None
        )
        .0,
        403
    );
}

on_both_backends!(matrix, scope_beyond_role);
