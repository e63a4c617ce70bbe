//! The run-time controls set from SQL (pause/resume, rate, weights): overrides of postgresql.conf
//! that the workers read at every turn of their loop. They live in shared memory and are saved to
//! `alimentador.controles` in the data directory, so a paused stream stays paused across a worker
//! crash, a crash restart of the server and a normal restart (shared memory is rebuilt empty then).
//! A file, not a table: it must not replicate to standbys or appear in the change stream.

use std::fmt;
use std::io::Write;
use std::path::PathBuf;

use pgrx::prelude::*;
use serde::{Deserialize, Serialize};

use crate::operations::Weights;
use crate::schedule::Schedule;
use crate::settings;

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
#[derive(Debug, Default, Serialize, Deserialize)]
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
    Format(PathBuf, String),
}

impl fmt::Display for ControlsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ControlsError::Io(path, e) => write!(f, "{}: {e}", path.display()),
            ControlsError::Format(path, e) => write!(f, "{}: {e}", path.display()),
        }
    }
}

fn path() -> PathBuf {
    // SAFETY: DataDir is set in every backend and worker before any of our code runs.
    let dir = unsafe { std::ffi::CStr::from_ptr(pg_sys::DataDir) };
    PathBuf::from(dir.to_string_lossy().into_owned()).join(FILE_NAME)
}

/// Reads the saved overrides; no file means none.
pub fn load() -> Result<Overrides, ControlsError> {
    let path = path();
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Overrides::NONE),
        Err(e) => return Err(ControlsError::Io(path, e)),
    };
    let saved: Saved = serde_json::from_str(&text)
        .map_err(|e| ControlsError::Format(path.clone(), e.to_string()))?;
    let weights = match saved.weights.as_deref().map(Weights::parse) {
        None => None,
        Some(Ok(w)) => Some(w),
        Some(Err(e)) => return Err(ControlsError::Format(path, e.to_string())),
    };
    let schedule = match saved.schedule.as_deref().map(Schedule::parse) {
        None => None,
        Some(Ok(s)) => Some(s),
        Some(Err(e)) => return Err(ControlsError::Format(path, e.to_string())),
    };
    Ok(Overrides {
        run: match saved.enabled {
            None => RunOverride::FollowSetting,
            Some(false) => RunOverride::Paused,
            Some(true) => RunOverride::Running,
        },
        rate: saved.rate,
        weights,
        schedule,
    })
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
    let text = serde_json::to_string_pretty(&saved)
        .map_err(|e| ControlsError::Format(path.clone(), e.to_string()))?;
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
