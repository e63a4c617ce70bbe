//! The run-time controls set from SQL (pause/resume, rate, weights): overrides of postgresql.conf
//! that the workers read at every turn of their loop. They live in shared memory and are saved to
//! `alimentador.controles` in the data directory, so a paused stream stays paused across a worker
//! crash, a crash restart of the server and a normal restart (shared memory is rebuilt empty then).
//! A file, not a table: it must not replicate to standbys or appear in the change stream.

use std::fmt;
use std::io::Write;
use std::path::PathBuf;

use pgrx::prelude::*;
use serde::Serialize;

use crate::schedule::Schedule;
use crate::settings;
use crate::weights::Weights;

/// The name of the file, in the data directory.
pub const FILE_NAME: &str = "alimentador.controles";

/// Pause/resume set from SQL, overriding `alimentador.enabled`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunOverride {
    FollowSetting,
    Paused,
    Running,
}

/// The overrides in force; `None`/`FollowSetting` means postgresql.conf decides.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Overrides {
    pub run: RunOverride,
    pub rate: Option<f64>,
    pub weights: Option<Weights>,
    pub schedule: Option<Schedule>,
}

impl Overrides {
    pub const NONE: Overrides = Overrides {
        run: RunOverride::FollowSetting,
        rate: None,
        weights: None,
        schedule: None,
    };

    /// Whether the stream runs: pause/resume, else `alimentador.enabled`.
    pub fn enabled(&self) -> bool {
        match self.run {
            RunOverride::FollowSetting => settings::ENABLED.get(),
            RunOverride::Paused => false,
            RunOverride::Running => true,
        }
    }

    /// The total target rate: alimentador_set_rate(), else `alimentador.rate`.
    pub fn rate(&self) -> f64 {
        self.rate.unwrap_or_else(|| settings::RATE.get())
    }

    /// The weights: alimentador_set_weights(), else `alimentador.weights`.
    pub fn weights(&self) -> Weights {
        self.weights.unwrap_or_else(settings::weights)
    }

    /// The load shape: alimentador_set_schedule(), else `alimentador.schedule`.
    pub fn schedule(&self) -> Schedule {
        self.schedule.unwrap_or_else(settings::schedule)
    }
}

/// The file's contents: absent keys follow postgresql.conf.
#[derive(Debug, Default, Serialize)]
struct Saved {
    #[serde(skip_serializing_if = "Option::is_none")]
    enabled: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    rate: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    weights: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    schedule: Option<String>,
}

/// The controls file could not be read or written.
#[derive(Debug)]
pub enum ControlsError {
    Io(PathBuf, std::io::Error),
    Format(PathBuf, serde_json::Error),
}

impl fmt::Display for ControlsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ControlsError::Io(path, e) => write!(f, "{}: {e}", path.display()),
            ControlsError::Format(path, e) => write!(f, "{}: {e}", path.display()),
        }
    }
}

/// The file's path, as shown in messages.
pub fn file_path() -> String {
    path().display().to_string()
}

fn path() -> PathBuf {
    // SAFETY: DataDir is set in every backend and worker before any of our code runs.
    let dir = unsafe { std::ffi::CStr::from_ptr(pg_sys::DataDir) };
    PathBuf::from(dir.to_string_lossy().into_owned()).join(FILE_NAME)
}

/// Something wrong in the controls file, found when it is read. Each is logged as a WARNING; what
/// is valid in the file still applies.
#[derive(Debug, Clone, PartialEq)]
pub enum Problem {
    /// The file is not a JSON object (or not UTF-8): nothing in it can be trusted, and since it may
    /// have held a pause, the workers stay paused.
    Unreadable(String),
    /// `enabled` is not true or false: the workers stay paused.
    BadEnabled(String),
    /// `rate`, `weights` or `schedule` is invalid: postgresql.conf's setting applies instead.
    BadValue {
        key: &'static str,
        value: String,
        reason: String,
    },
    /// A key the file never holds: ignored.
    UnknownKey(String),
}

impl Problem {
    /// The WARNING's text (after "alimentador: ").
    pub fn describe(&self, file: &str) -> String {
        const STAY_PAUSED: &str = "the workers stay paused until alimentador_resume() or alimentador_clear_overrides() is called (either rewrites the file)";
        match self {
            Problem::Unreadable(reason) => format!(
                "the run-time controls file \"{file}\" cannot be read ({reason}); it may have held a pause, so {STAY_PAUSED}"
            ),
            Problem::BadEnabled(value) => format!(
                "the run-time controls file \"{file}\" has an invalid \"enabled\": {value} (true or false expected); {STAY_PAUSED}"
            ),
            Problem::BadValue { key, value, reason } => format!(
                "the run-time controls file \"{file}\" has an invalid \"{key}\": {value} ({reason}); alimentador.{key} from postgresql.conf applies instead"
            ),
            Problem::UnknownKey(key) => format!(
                "the run-time controls file \"{file}\" has an unknown key \"{}\", ignored (known keys: enabled, rate, weights, schedule)",
                crate::echo::truncated(key)
            ),
        }
    }
}

/// Reads the saved overrides; no file means none. What is valid in the file applies, each problem
/// is returned to be logged, and a file that cannot be read leaves the workers paused.
pub fn load() -> (Overrides, Vec<Problem>) {
    let path = path();
    match std::fs::read_to_string(&path) {
        Ok(text) => parse(&text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => (Overrides::NONE, Vec::new()),
        Err(e) => (
            Overrides {
                run: RunOverride::Paused,
                ..Overrides::NONE
            },
            vec![Problem::Unreadable(e.to_string())],
        ),
    }
}

/// A JSON value as shown in a message, cut to a readable length.
fn shown(value: &serde_json::Value) -> String {
    crate::echo::truncated(&value.to_string())
}

/// The overrides of a controls file's text, each key validated as the setting and the control
/// function validate it (settings::check_rate, Weights::parse, Schedule::parse), and the problems.
/// Never fails open: unparseable text or an invalid `enabled` means paused.
pub fn parse(text: &str) -> (Overrides, Vec<Problem>) {
    let paused = Overrides {
        run: RunOverride::Paused,
        ..Overrides::NONE
    };
    let object = match serde_json::from_str::<serde_json::Value>(text) {
        Ok(serde_json::Value::Object(object)) => object,
        Ok(other) => {
            let reason = format!("a JSON object expected, got {}", shown(&other));
            return (paused, vec![Problem::Unreadable(reason)]);
        }
        Err(e) => return (paused, vec![Problem::Unreadable(e.to_string())]),
    };
    let mut o = Overrides::NONE;
    let mut problems = Vec::new();
    let mut bad = |key: &'static str, value: &serde_json::Value, reason: String| {
        problems.push(Problem::BadValue {
            key,
            value: shown(value),
            reason,
        })
    };
    let mut unknown = Vec::new();
    let mut bad_enabled = None;
    for (key, value) in &object {
        match key.as_str() {
            "enabled" => match value.as_bool() {
                Some(false) => o.run = RunOverride::Paused,
                Some(true) => o.run = RunOverride::Running,
                None => bad_enabled = Some(shown(value)),
            },
            "rate" => match value.as_f64() {
                None => bad("rate", value, "not a number".to_string()),
                Some(rate) => match settings::check_rate(rate) {
                    Ok(rate) => o.rate = Some(rate),
                    Err(e) => bad("rate", value, e.to_string()),
                },
            },
            "weights" => match value.as_str().map(Weights::parse) {
                None => bad("weights", value, "not a string".to_string()),
                Some(Ok(w)) => o.weights = Some(w),
                Some(Err(e)) => bad("weights", value, e.to_string()),
            },
            "schedule" => match value.as_str().map(Schedule::parse) {
                None => bad("schedule", value, "not a string".to_string()),
                Some(Ok(s)) => o.schedule = Some(s),
                Some(Err(e)) => bad("schedule", value, e.to_string()),
            },
            other => unknown.push(Problem::UnknownKey(other.to_string())),
        }
    }
    if let Some(value) = bad_enabled {
        o.run = RunOverride::Paused;
        problems.insert(0, Problem::BadEnabled(value));
    }
    problems.extend(unknown);
    (o, problems)
}

/// Saves the overrides (write to a temporary file, fsync, rename); no override removes the file.
pub fn save(o: &Overrides) -> Result<(), ControlsError> {
    let path = path();
    if *o == Overrides::NONE {
        return match std::fs::remove_file(&path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(ControlsError::Io(path, e)),
            _ => Ok(()),
        };
    }
    let saved = Saved {
        enabled: match o.run {
            RunOverride::FollowSetting => None,
            RunOverride::Paused => Some(false),
            RunOverride::Running => Some(true),
        },
        rate: o.rate,
        weights: o.weights.map(Weights::to_text),
        schedule: o.schedule.map(Schedule::to_text),
    };
    let text =
        serde_json::to_string_pretty(&saved).map_err(|e| ControlsError::Format(path.clone(), e))?;
    let temporary = path.with_extension("controles.tmp");
    let write = || -> std::io::Result<()> {
        let mut file = std::fs::File::create(&temporary)?;
        file.write_all(text.as_bytes())?;
        file.write_all(b"\n")?;
        file.sync_all()?;
        std::fs::rename(&temporary, &path)
    };
    write().map_err(|e| ControlsError::Io(path.clone(), e))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paused_only() -> Overrides {
        Overrides {
            run: RunOverride::Paused,
            ..Overrides::NONE
        }
    }

    #[test]
    fn a_valid_file_applies_whole() {
        let (o, problems) =
            parse(r#"{"enabled": false, "rate": 20, "weights": "deletes", "schedule": "daily"}"#);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(o.run, RunOverride::Paused);
        assert_eq!(o.rate, Some(20.0));
        assert_eq!(o.weights, Some(Weights::parse("deletes").unwrap()));
        assert_eq!(o.schedule, Some(Schedule::parse("daily").unwrap()));
        assert_eq!(parse("{}"), (Overrides::NONE, vec![]));
        let (o, problems) = parse(r#"{"enabled": true, "rate": 0}"#);
        assert!(problems.is_empty());
        assert_eq!((o.run, o.rate), (RunOverride::Running, Some(0.0)));
    }

    #[test]
    fn a_bad_rate_is_dropped_with_a_warning() {
        for text in [
            r#"{"rate": -5}"#,
            r#"{"rate": 1e308}"#,
            r#"{"rate": 5e-324}"#,
            r#"{"rate": "x"}"#,
            r#"{"rate": null}"#,
        ] {
            let (o, problems) = parse(text);
            assert_eq!(o, Overrides::NONE, "{text}");
            assert_eq!(problems.len(), 1, "{text}");
            let Problem::BadValue { key, .. } = &problems[0] else {
                panic!("{text}: {problems:?}");
            };
            assert_eq!(*key, "rate");
            let message = problems[0].describe(FILE_NAME);
            assert!(message.contains("alimentador.controles"), "{message}");
            assert!(message.contains("alimentador.rate from postgresql.conf applies instead"));
        }
        let (_, problems) = parse(r#"{"rate": -5}"#);
        assert!(problems[0].describe(FILE_NAME).contains("\"rate\": -5 ("));
    }

    #[test]
    fn the_valid_keys_are_kept_and_a_pause_is_never_dropped() {
        let (o, problems) = parse(r#"{"enabled": false, "rate": "x"}"#);
        assert_eq!(o, paused_only());
        assert_eq!(problems.len(), 1);
        let (o, problems) =
            parse(r#"{"enabled": false, "rate": 7, "weights": "nada", "schedule": "weekly"}"#);
        assert_eq!(o.run, RunOverride::Paused);
        assert_eq!(o.rate, Some(7.0));
        assert_eq!((o.weights, o.schedule), (None, None));
        assert_eq!(problems.len(), 2);
        let (o, problems) = parse(r#"{"enabled": true, "rate": 3, "extra": 1}"#);
        assert_eq!((o.run, o.rate), (RunOverride::Running, Some(3.0)));
        assert_eq!(problems, vec![Problem::UnknownKey("extra".into())]);
    }

    #[test]
    fn what_cannot_be_read_pauses() {
        for text in ["garbage", "", "[1]", "false", r#"{"enabled": false"#] {
            let (o, problems) = parse(text);
            assert_eq!(o, paused_only(), "{text}");
            assert!(matches!(problems[..], [Problem::Unreadable(_)]), "{text}");
            let message = problems[0].describe(FILE_NAME);
            assert!(message.contains("stay paused until alimentador_resume()"));
            assert!(message.contains("alimentador_clear_overrides()"));
        }
        for text in [
            r#"{"enabled": "no", "rate": 5}"#,
            r#"{"enabled": 0}"#,
            r#"{"enabled": null}"#,
        ] {
            let (o, problems) = parse(text);
            assert_eq!(o.run, RunOverride::Paused, "{text}");
            assert!(matches!(problems[0], Problem::BadEnabled(_)), "{text}");
        }
        assert_eq!(parse(r#"{"enabled": "no", "rate": 5}"#).0.rate, Some(5.0));
    }

    #[test]
    fn what_is_saved_reads_back() {
        let o = Overrides {
            run: RunOverride::Running,
            rate: Some(0.25),
            weights: Some(Weights::parse("cdc-edge").unwrap()),
            schedule: Some(Schedule::parse("step=1x:60s,3x:60s").unwrap()),
        };
        let saved = Saved {
            enabled: Some(true),
            rate: o.rate,
            weights: o.weights.map(Weights::to_text),
            schedule: o.schedule.map(Schedule::to_text),
        };
        let text = serde_json::to_string_pretty(&saved).unwrap();
        assert_eq!(parse(&text), (o, vec![]));
    }
}
