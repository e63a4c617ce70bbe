//! Pure-Rust generation of realistic Brazilian (pt_BR) hospital data.
//!
//! Nothing in this module touches Postgres: every generator takes an explicit
//! [`Rng`] (and, when it needs the current time, an explicit `now`), so the
//! output is fully reproducible from `(seed, stream, now)`.
//!
//! * [`documents`] — CPF, CNPJ and CRM numbers with valid check digits.
//! * [`places`] — real cities with DDD and CEP ranges, phones, street addresses.
//! * [`clinical`] — specialties, reasons, rooms, exam types, exam results, laudos.
//! * [`names`] — person names (by sex) and e-mails derived from them.
//! * [`rows`] — one plain struct per table row plus its generator functions.
//! * [`choice`] — the few randomness helpers every other file is built on.

pub mod choice;
pub mod clinical;
pub mod documents;
pub mod names;
pub mod places;
pub mod rows;

pub use choice::{chance, date_between, instant_between, pick, pick_weighted};
pub use clinical::{
    admission_reason, consultation_reason, exam_result, exam_spec, exam_type, laudo, prescription,
    room, specialty, vital_signs, ExamCategory, ExamSpec, Prescription, VitalSigns,
    ADMISSION_REASONS, CONSULTATION_REASONS, EXAMS, EXAM_TYPES, SPECIALTIES,
};
pub use documents::{
    cnpj, cnpj_check_digits, cpf, cpf_check_digits, cpf_from_index, crm, crm_from_index, is_uf,
    is_valid_cnpj, is_valid_cpf, CPF_INDEX_SPACE, UFS,
};
pub use names::{email_for, full_name};
pub use places::{cep, city, landline_phone, mobile_phone, street_address, City, CITIES};
pub use rows::{
    discharge_time, doctor, exam_outcome, format_uuid, new_admission, new_appointment, new_exam,
    next_appointment_status, patient, patient_contact, plan_membership, seed_admission,
    seed_appointment, seed_exam, uuid_for_index, uuid_v4, Admission, AdmissionBook, Appointment,
    AppointmentStatus, Doctor, Exam, ExamOutcome, Patient, PatientContact, PlanMembership, Sex,
};

use rand::SeedableRng;

/// The random number generator used by every generator in this module.
///
/// xoshiro256++ is fast (generation runs for hundreds of thousands of rows)
/// and is a fixed, named algorithm, whereas `StdRng` is allowed to change
/// algorithm between rand releases; so a seed keeps reproducing the same
/// data set.
pub type Rng = rand::rngs::Xoshiro256PlusPlus;

/// SplitMix64 finaliser: scrambles a 64-bit value so nearby inputs give
/// unrelated outputs. Used to combine the user seed with a stream number.
fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Builds the deterministic generator for one table (`stream`) of a data set
/// (`seed`). Different streams of the same seed are independent, so adding
/// rows to one table never shifts the data generated for another.
pub fn rng_from_seed(seed: u64, stream: u64) -> Rng {
    let stream_key = mix64(stream.wrapping_add(0x9e37_79b9_7f4a_7c15));
    Rng::seed_from_u64(mix64(seed) ^ stream_key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::RngExt;

    fn first_values(seed: u64, stream: u64) -> Vec<u64> {
        let mut rng = rng_from_seed(seed, stream);
        (0..8).map(|_| rng.random::<u64>()).collect()
    }

    #[test]
    fn same_seed_and_stream_reproduce_the_sequence() {
        assert_eq!(first_values(42, 3), first_values(42, 3));
    }

    #[test]
    fn streams_and_seeds_are_independent() {
        assert_ne!(first_values(42, 3), first_values(42, 4));
        assert_ne!(first_values(42, 3), first_values(43, 3));
        // Swapping seed and stream must not give the same generator either.
        assert_ne!(first_values(3, 42), first_values(42, 3));
    }

    #[test]
    fn zero_seed_is_usable() {
        let values = first_values(0, 0);
        assert!(values.iter().any(|&v| v != 0));
    }
}
