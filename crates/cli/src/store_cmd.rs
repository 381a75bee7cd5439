//! The commands that open the device store.

use std::io::Read;
use std::path::Path;

use fieldcase_core::env::{Env, SteppingEnv, SystemEnv};
use fieldcase_core::forms::FormSet;
use fieldcase_core::{CoreError, Engine, ReferenceBundle};

use crate::Command;

pub(crate) type Eng = Engine<Box<dyn Env>>;

/// Opens the engine over a store and forms folder with the chosen clock.
pub(crate) fn open(store: &Path, forms: &Path, clock: Option<&str>) -> Result<Eng, String> {
    let forms = FormSet::load(forms).map_err(|e| e.to_string())?;
    let env: Box<dyn Env> = match clock {
        Some(t) => Box::new(
            SteppingEnv::at(t, 1000)
                .map_err(|e| format!("--clock {t}: {e}"))?
                .with_random_ids(),
        ),
        None => Box::new(SystemEnv),
    };
    Engine::open(store, forms, env).map_err(|e| e.to_string())
}

pub(crate) fn err(e: CoreError) -> String {
    match e.refusal() {
        Some(r) => format!("refused [{}]\n  {}\n  {}", r.code, r.zh, r.en),
        None => format!("error: {e}"),
    }
}

fn read_json(file: &Path) -> Result<String, String> {
    if file == Path::new("-") {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .map_err(|e| format!("stdin: {e}"))?;
        Ok(s)
    } else {
        std::fs::read_to_string(file).map_err(|e| format!("{}: {e}", file.display()))
    }
}

fn print<T: serde::Serialize>(v: &T) -> Result<(), String> {
    println!(
        "{}",
        serde_json::to_string_pretty(v).map_err(|e| e.to_string())?
    );
    Ok(())
}

pub(crate) fn run(
    store: &Path,
    forms: &Path,
    clock: Option<&str>,
    cmd: Command,
) -> Result<(), String> {
    if let Command::Run { scenario } = &cmd {
        return crate::scenario::run(store, forms, clock, scenario);
    }
    if let Command::Verify {
        bundle: Some(path),
        device_key,
    } = &cmd
    {
        return crate::archive_cmd::verify(path, device_key.as_deref());
    }
    if let Command::Enroll {
        server,
        code,
        label,
        pin: Some(pin),
        ca,
    } = &cmd
    {
        return crate::sync_cmd::enroll_with_pin(
            store,
            forms,
            server,
            code,
            label,
            pin,
            ca.as_deref(),
        );
    }
    let mut eng = open(store, forms, clock)?;
    match cmd {
        Command::Init => {
            let s = eng.store();
            println!("device {} public key {}", s.device.id, s.public_key());
            println!("store {}", s.dir.display());
            Ok(())
        }
        Command::Import { file } => {
            let text = read_json(&file)?;
            let bundle: ReferenceBundle =
                serde_json::from_str(&text).map_err(|e| format!("{}: {e}", file.display()))?;
            println!("{}", eng.import(&bundle).map_err(err)?);
            Ok(())
        }
        Command::Step { file } => {
            let text = read_json(&file)?;
            let c: fieldcase_core::Command =
                serde_json::from_str(&text).map_err(|e| format!("{}: {e}", file.display()))?;
            print(&eng.execute(&c).map_err(err)?)
        }
        Command::Case {
            id,
            public,
            unmasked,
        } => {
            let case = eng.case(&id).map_err(err)?;
            if public {
                print(&fieldcase_core::engine::public::export(&case, unmasked).map_err(err)?)
            } else {
                print(&case)
            }
        }
        Command::Review { id } => {
            eng.case(&id).map_err(err)?;
            print(&fieldcase_core::sync::center_review(eng.store(), &id).map_err(err)?)
        }
        Command::Steps { id } => {
            for s in eng.steps(&id).map_err(err)? {
                let state = if s.done {
                    "done".to_string()
                } else if let Some((zh, en)) = &s.blocked {
                    format!("blocked: {zh} / {en}")
                } else {
                    "allowed".to_string()
                };
                let req = if s.required { "required" } else { "optional" };
                println!("{:<12} {:<10} {:<9} {state}", s.id, s.title_zh, req);
            }
            Ok(())
        }
        Command::Inbox { limit } => {
            for r in eng.inbox(limit).map_err(err)? {
                println!(
                    "{}  {:<10} {:<6} {:<14} {}  {}",
                    r.due,
                    r.source,
                    r.risk,
                    r.task_id,
                    r.enterprise_name,
                    r.case_status.as_deref().unwrap_or("new")
                );
            }
            Ok(())
        }
        Command::Print(c) => crate::print_cmd::print(&eng, forms, c),
        Command::Export { id, out, no_pdf } => {
            crate::archive_cmd::export(&eng, forms, &id, &out, !no_pdf)
        }
        Command::Render { id, out } => crate::archive_cmd::render(&eng, forms, &id, &out),
        Command::Signatures { id } => {
            let case = eng.case(&id).map_err(err)?;
            let checks =
                fieldcase_core::engine::signatures::report(&case, &eng.store().public_key());
            print(&checks)
        }
        Command::Verify { .. } => {
            let report = eng.verify().map_err(err)?;
            print(&report)?;
            if report.ok() {
                Ok(())
            } else {
                Err("verification failed".into())
            }
        }
        Command::MigrateDrafts => print(&eng.migrate_drafts().map_err(err)?),
        Command::CrashWriter => crash_writer(&mut eng),
        Command::Enroll {
            server,
            code,
            label,
            pin: _,
            ca,
        } => crate::sync_cmd::enroll(&mut eng, &server, &code, &label, ca.as_deref()),
        Command::Sync {
            status,
            watch,
            every,
        } => crate::sync_cmd::sync(&mut eng, status, watch, every),
        Command::Forms(_) | Command::Run { .. } | Command::Printer(_) | Command::Credential(_) => {
            Ok(())
        }
    }
}

/// Opens a case on the first inbox task and writes steps forever, printing each committed seq.
/// The crash test kills it at random instants and checks the store after every kill. For a
/// procedure with a note step (grid worker verification) it writes notes; for an inspection it
/// shows credentials, gives the notice, then answers checklist items in a cycle.
fn crash_writer(eng: &mut Eng) -> Result<(), String> {
    use fieldcase_core::Command as C;
    use fieldcase_core::forms::types::{AnswerKind, StepKind};
    let tasks = eng.inbox(1).map_err(err)?;
    let Some(task) = tasks.first() else {
        return Err("no task imported".into());
    };
    let case_id = match &task.case_id {
        Some(id) => id.clone(),
        None => {
            let t = eng
                .store()
                .task(&task.task_id)
                .map_err(err)?
                .ok_or("task vanished")?;
            let by = t.officers.first().cloned().ok_or("task has no officer")?;
            let open = C::OpenCase {
                task_id: t.id.clone(),
                by,
                covert: false,
                justification: None,
            };
            eng.execute(&open).map_err(err)?.case_id
        }
    };
    let case = eng.case(&case_id).map_err(err)?;
    let by = case.team.first().cloned().ok_or("no team")?;
    let procedure = eng
        .forms()
        .procedure(&case.procedure.id)
        .ok_or("procedure not loaded")?
        .clone();
    if case.checkin.is_none() {
        let ent = eng
            .store()
            .enterprise(&case.enterprise_id)
            .map_err(err)?
            .ok_or("no enterprise")?;
        let fix = fieldcase_core::engine::command::FixInput {
            lat: ent.location.lat,
            lon: ent.location.lon,
            accuracy_m: 5.0,
            source: None,
            fix_time: None,
        };
        eng.execute(&C::CheckIn {
            case_id: case_id.clone(),
            by: by.clone(),
            fix,
            reason: None,
        })
        .map_err(err)?;
    }
    let has = |k: StepKind| procedure.steps.iter().any(|s| s.kind == k);
    if has(StepKind::Note) {
        for n in 1u64.. {
            let text = format!("note {n}");
            let o = eng
                .execute(&C::AddNote {
                    case_id: case_id.clone(),
                    by: by.clone(),
                    text,
                })
                .map_err(err)?;
            println!("{}", o.seq);
        }
        return Ok(());
    }
    let case = eng.case(&case_id).map_err(err)?;
    for officer in &case.team {
        if !case.credentials.iter().any(|c| &c.officer_id == officer) {
            let show = C::ShowCredential {
                case_id: case_id.clone(),
                officer_id: officer.clone(),
                evidence_id: None,
            };
            eng.execute(&show).map_err(err)?;
        }
    }
    if case.notice.is_none() {
        let notice = C::GiveNotice {
            case_id: case_id.clone(),
            by: by.clone(),
            credentials_seen: true,
            recusal_requested: false,
            recusal_reason: None,
        };
        eng.execute(&notice).map_err(err)?;
    }
    let items: Vec<String> = case
        .checklists
        .iter()
        .filter_map(|f| eng.forms().checklists.get(&f.id))
        .flat_map(|c| c.items.iter().map(|(_, i)| i))
        .filter(|i| i.ans == AnswerKind::Tri && i.per.is_none() && i.show_if.is_none())
        .map(|i| i.id.clone())
        .collect();
    if items.is_empty() {
        return Err("no checklist item to answer".into());
    }
    for item_id in items.iter().cycle() {
        let answer = C::Answer {
            case_id: case_id.clone(),
            by: by.clone(),
            item_id: item_id.clone(),
            instance: None,
            value: serde_json::json!("compliant"),
            note: None,
            finding_text: None,
            evidence: vec![],
        };
        let o = eng.execute(&answer).map_err(err)?;
        println!("{}", o.seq);
    }
    Ok(())
}
