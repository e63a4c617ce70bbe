//! The SQL that runs each kind of operation of the stream ([`run`]); the kinds are in
//! [`crate::model`], their weights in [`crate::weights`].

pub mod run;
