//! The run-time controls in shared memory (pause/resume, rate, weights, schedule), as the SQL
//! functions set them and the workers read them at every loop: loaded from the controls file on
//! first use after shared memory was initialised, saved to it at every change ([`crate::controls`]).

use pgrx::prelude::*;

use crate::controls::{self, ControlsError, Overrides};
use crate::status::{self, Control};

/// The controls; the saved overrides are read on first use after shared memory was initialised.
pub fn control() -> Control {
    let control = status::read_control();
    if control.loaded {
        return control;
    }
    let (control, problems) = status::with_control(|control| {
        let problems = load(control);
        (*control, problems)
    });
    warn_about(problems);
    control
}

/// Changes the run-time overrides and saves them. When they cannot be saved nothing changes.
pub fn change(f: impl FnOnce(&mut Overrides)) -> Result<Overrides, ControlsError> {
    let (saved, problems) = status::with_control(|control| {
        let problems = load(control);
        let mut next = control.overrides;
        f(&mut next);
        let saved = controls::save(&next);
        if saved.is_ok() {
            control.overrides = next;
        }
        (saved.map(|()| next), problems)
    });
    warn_about(problems);
    saved
}

/// Reads the controls file into `control` unless done since shared memory was initialised; returns
/// what is wrong in it, to be logged once the lock is released (a WARNING may wait on the client).
fn load(control: &mut Control) -> Vec<controls::Problem> {
    if control.loaded {
        return Vec::new();
    }
    control.loaded = true;
    let (overrides, problems) = controls::load();
    control.overrides = overrides;
    problems
}

fn warn_about(problems: Vec<controls::Problem>) {
    if problems.is_empty() {
        return;
    }
    let file = controls::file_path();
    for problem in problems {
        warning!("alimentador: {}", problem.describe(&file));
    }
}
