//! One plain struct per generated table row, and the functions that
//! generate them. Generators never read the clock: anything time-dependent
//! takes `now`, so output is deterministic for a given `(rng seed, now)`.
//!
//! "seed_*" functions produce historical rows for the initial load;
//! "new_*" functions produce what the live stream inserts right now;
//! the remaining functions drive lifecycle updates (appointment status,
//! exam results, discharges).

use super::choice::{
    chance, date_between, instant_between, log_uniform_duration, pick_pair, push_digits,
};
use super::clinical::{
    admission_reason, consultation_reason, exam_result, exam_type, laudo, room, specialty,
};
use super::documents::{cpf_from_index, crm_from_index};
use super::names::{email_for, full_name};
use super::places::{cep, city, landline_phone, mobile_phone, street_address, City};
use super::Rng;
use chrono::{DateTime, Datelike, Months, NaiveDate, TimeDelta, Utc, Weekday};
use rand::RngExt;
use serde_json::Value;
use std::collections::HashMap;

pub use super::names::Sex;

/// Offset of São Paulo local time from UTC (Brazil has had no DST since 2019).
const SAO_PAULO_OFFSET_HOURS: i64 = -3;

/// How far back the historical (seed) data goes.
const HISTORY_DAYS: i64 = 730;

/// How far ahead appointments are booked.
const BOOKING_HORIZON_DAYS: i64 = 60;

/// Share of seeded admissions that are still in progress at `now`.
const STILL_ADMITTED_SHARE: f64 = 0.11;

fn days(n: i64) -> TimeDelta {
    TimeDelta::days(n)
}

fn hours(n: i64) -> TimeDelta {
    TimeDelta::hours(n)
}

/// The São Paulo calendar date at instant `t`.
fn local_date(t: DateTime<Utc>) -> NaiveDate {
    (t + hours(SAO_PAULO_OFFSET_HOURS)).date_naive()
}

/// The date `years` years before `date` (29 February maps to 28 February).
fn years_before(date: NaiveDate, years: u32) -> NaiveDate {
    date.checked_sub_months(Months::new(12 * years))
        .unwrap_or(NaiveDate::MIN)
}

// ---------------------------------------------------------------------------
// Patients and doctors
// ---------------------------------------------------------------------------

/// A row of the patients table.
#[derive(Debug, Clone, PartialEq)]
pub struct Patient {
    pub nome: String,
    pub nascimento: NaiveDate,
    pub cpf: String,
    pub sexo: Sex,
    pub email: String,
    pub telefone: String,
    pub endereco: String,
    pub cidade: &'static str,
    pub uf: &'static str,
    pub cep: String,
    pub data_cadastro: NaiveDate,
}

/// New contact details for a patient ("patient changed contact details" updates).
#[derive(Debug, Clone, PartialEq)]
pub struct PatientContact {
    pub telefone: String,
    pub email: String,
    pub endereco: String,
}

/// A row of the doctors table.
#[derive(Debug, Clone, PartialEq)]
pub struct Doctor {
    /// Name without "Dr."/"Dra.".
    pub nome: String,
    /// Council registration, e.g. "123456-SP".
    pub crm: String,
    pub especialidade: &'static str,
    pub telefone: String,
    pub email: String,
}

/// A patient's health-plan membership (card number and expiry).
#[derive(Debug, Clone, PartialEq)]
pub struct PlanMembership {
    pub numero_carteira: String,
    pub validade: NaiveDate,
}

/// Age brackets `(from_years, to_years)` weighted roughly like the Brazilian
/// population pyramid, slightly older since these are hospital patients.
const AGE_BRACKETS: &[((u32, u32), u32)] = &[
    ((0, 10), 12),
    ((10, 20), 11),
    ((20, 30), 14),
    ((30, 40), 15),
    ((40, 50), 14),
    ((50, 60), 13),
    ((60, 70), 11),
    ((70, 80), 6),
    ((80, 90), 3),
    ((90, 100), 1),
];

/// A birth date giving an age between 0 and 100 (exclusive) on `today`.
fn birth_date(rng: &mut Rng, today: NaiveDate) -> NaiveDate {
    let (from_years, to_years) = pick_pair(rng, AGE_BRACKETS);
    let earliest = years_before(today, to_years) + days(1);
    let latest = years_before(today, from_years);
    date_between(rng, earliest, latest)
}

/// A phone of the city: usually a mobile, sometimes a landline.
fn phone(rng: &mut Rng, city: &City) -> String {
    if chance(rng, 0.85) {
        mobile_phone(rng, city)
    } else {
        landline_phone(rng, city)
    }
}

/// The patient with database id `id`: registered at some point of the last
/// 10 years (never before birth), living in a population-weighted city whose
/// DDD and CEP appear in the phone and address. The CPF is derived from the
/// id, so it is unique per id.
pub fn patient(rng: &mut Rng, id: i64, now: DateTime<Utc>) -> Patient {
    let today = local_date(now);
    let sexo = Sex::random(rng);
    let nome = full_name(rng, sexo);
    let nascimento = birth_date(rng, today);
    let home = city(rng);
    let registered_from = nascimento.max(years_before(today, 10));
    Patient {
        cpf: cpf_from_index(id as u64),
        email: email_for(rng, &nome),
        telefone: phone(rng, home),
        endereco: street_address(rng),
        cidade: home.name,
        uf: home.uf,
        cep: cep(rng, home),
        data_cadastro: date_between(rng, registered_from, today),
        nome,
        nascimento,
        sexo,
    }
}

/// New phone, e-mail (derived from `nome`) and address for an existing patient.
pub fn patient_contact(rng: &mut Rng, nome: &str) -> PatientContact {
    let home = city(rng);
    PatientContact {
        telefone: phone(rng, home),
        email: email_for(rng, nome),
        endereco: street_address(rng),
    }
}

/// The doctor with database id `id`, registered in the council of a
/// population-weighted UF; the CRM number is derived from the id, so it is
/// unique per id.
pub fn doctor(rng: &mut Rng, id: i64) -> Doctor {
    let sex = Sex::random(rng);
    let nome = full_name(rng, sex);
    let home = city(rng);
    Doctor {
        crm: crm_from_index(id as u64, home.uf),
        especialidade: specialty(rng),
        telefone: mobile_phone(rng, home),
        email: email_for(rng, &nome),
        nome,
    }
}

/// A health-plan card: 16–20 digit number, expiring between one year ago
/// and three years from now (so some cards are expired).
pub fn plan_membership(rng: &mut Rng, now: DateTime<Utc>) -> PlanMembership {
    let today = local_date(now);
    let len = rng.random_range(16..=20usize);
    let mut numero_carteira = String::with_capacity(len);
    numero_carteira.push(char::from(b'0' + rng.random_range(1..=9u8)));
    push_digits(rng, &mut numero_carteira, len - 1);
    PlanMembership {
        numero_carteira,
        validade: date_between(rng, today - days(365), today + days(3 * 365)),
    }
}

// ---------------------------------------------------------------------------
// Appointments
// ---------------------------------------------------------------------------

/// Lifecycle state of an appointment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AppointmentStatus {
    Agendada,
    Realizada,
    Cancelada,
    Faltou,
}

impl AppointmentStatus {
    /// The value stored in the database.
    pub fn code(&self) -> &'static str {
        match self {
            AppointmentStatus::Agendada => "agendada",
            AppointmentStatus::Realizada => "realizada",
            AppointmentStatus::Cancelada => "cancelada",
            AppointmentStatus::Faltou => "faltou",
        }
    }
}

use AppointmentStatus::{Agendada, Cancelada, Faltou, Realizada};

/// Outcome shares of seeded appointments already in the past.
const PAST_OUTCOMES: &[(AppointmentStatus, u32)] =
    &[(Realizada, 80), (Faltou, 10), (Cancelada, 10)];
/// Shares of seeded appointments still in the future.
const FUTURE_OUTCOMES: &[(AppointmentStatus, u32)] = &[(Agendada, 90), (Cancelada, 10)];
/// Shares of the live-stream move of a due "agendada" appointment.
const DUE_OUTCOMES: &[(AppointmentStatus, u32)] = &[(Realizada, 85), (Faltou, 10), (Cancelada, 5)];

/// A row of the appointments table.
#[derive(Debug, Clone, PartialEq)]
pub struct Appointment {
    pub data: DateTime<Utc>,
    pub motivo: &'static str,
    pub status: AppointmentStatus,
    /// Price in centavos (R$ 80,00 – R$ 900,00).
    pub valor_centavos: i64,
}

/// First slot 07:00 and 48 quarter-hour slots: last start 18:45 local time.
const CLINIC_OPENS_HOUR: u32 = 7;
const CLINIC_SLOTS: i64 = 48;

/// A quarter-hour slot during clinic hours (07:00–19:00 São Paulo time,
/// Monday to Saturday) inside `[from, to]`. Falls back to `from` when the
/// window contains no slot at all.
fn clinic_slot(rng: &mut Rng, from: DateTime<Utc>, to: DateTime<Utc>) -> DateTime<Utc> {
    for _ in 0..64 {
        let day = local_date(instant_between(rng, from, to));
        if day.weekday() == Weekday::Sun {
            continue;
        }
        let local_start = day
            .and_hms_opt(CLINIC_OPENS_HOUR, 0, 0)
            .expect("valid time")
            + TimeDelta::minutes(15 * rng.random_range(0..CLINIC_SLOTS));
        let slot = local_start.and_utc() - hours(SAO_PAULO_OFFSET_HOURS);
        if from <= slot && slot <= to {
            return slot;
        }
    }
    from
}

/// R$ 80,00 to R$ 900,00 in steps of R$ 5,00.
fn consultation_price(rng: &mut Rng) -> i64 {
    rng.random_range(16..=180i64) * 500
}

/// A historical appointment between two years ago and two months ahead.
/// Past ones are mostly "realizada" (some "faltou"/"cancelada"); future ones
/// are "agendada" or "cancelada", never "realizada"/"faltou".
pub fn seed_appointment(rng: &mut Rng, now: DateTime<Utc>) -> Appointment {
    let data = clinic_slot(
        rng,
        now - days(HISTORY_DAYS),
        now + days(BOOKING_HORIZON_DAYS),
    );
    let status = pick_pair(
        rng,
        if data < now {
            PAST_OUTCOMES
        } else {
            FUTURE_OUTCOMES
        },
    );
    Appointment {
        data,
        motivo: consultation_reason(rng),
        status,
        valor_centavos: consultation_price(rng),
    }
}

/// An appointment booked now by the live stream: between one hour and two
/// months ahead, status "agendada".
pub fn new_appointment(rng: &mut Rng, now: DateTime<Utc>) -> Appointment {
    let data = clinic_slot(rng, now + hours(1), now + days(BOOKING_HORIZON_DAYS));
    Appointment {
        data,
        motivo: consultation_reason(rng),
        status: Agendada,
        valor_centavos: consultation_price(rng),
    }
}

/// The next status of an "agendada" appointment: once its time has come it
/// becomes realizada (~85%), faltou (~10%) or cancelada (~5%); before that
/// it can only be cancelled.
pub fn next_appointment_status(
    rng: &mut Rng,
    data: DateTime<Utc>,
    now: DateTime<Utc>,
) -> AppointmentStatus {
    if data <= now {
        pick_pair(rng, DUE_OUTCOMES)
    } else {
        Cancelada
    }
}

// ---------------------------------------------------------------------------
// Exams
// ---------------------------------------------------------------------------

/// A row of the exams table. Pending exams have no result yet.
#[derive(Debug, Clone, PartialEq)]
pub struct Exam {
    pub tipo_exame: &'static str,
    /// Collection time.
    pub data: DateTime<Utc>,
    pub urgente: bool,
    pub resultado: Option<Value>,
    pub laudo: Option<String>,
    pub data_resultado: Option<DateTime<Utc>>,
}

/// The result of an exam, used when a pending exam gets its result.
#[derive(Debug, Clone, PartialEq)]
pub struct ExamOutcome {
    pub resultado: Value,
    pub laudo: String,
    pub data_resultado: DateTime<Utc>,
}

/// Share of seeded exams that got a result (if its time has come).
const RESULTED_EXAM_SHARE: f64 = 0.9;

impl Exam {
    /// A collected exam with no result yet.
    fn pending(tipo_exame: &'static str, data: DateTime<Utc>, urgente: bool) -> Exam {
        Exam {
            tipo_exame,
            data,
            urgente,
            resultado: None,
            laudo: None,
            data_resultado: None,
        }
    }

    /// Fills in the result fields.
    fn with_outcome(mut self, outcome: ExamOutcome) -> Exam {
        self.resultado = Some(outcome.resultado);
        self.laudo = Some(outcome.laudo);
        self.data_resultado = Some(outcome.data_resultado);
        self
    }
}

/// Result JSON and laudo for `tipo_exame`, released at `at`.
fn outcome_at(rng: &mut Rng, tipo_exame: &str, at: DateTime<Utc>) -> ExamOutcome {
    let resultado = exam_result(rng, tipo_exame);
    let laudo = laudo(rng, tipo_exame, &resultado);
    ExamOutcome {
        resultado,
        laudo,
        data_resultado: at,
    }
}

/// Time from collection to result: 2–12 h when urgent, 2 h to 7 days otherwise.
fn turnaround(rng: &mut Rng, urgente: bool) -> TimeDelta {
    let max = if urgente { hours(12) } else { days(7) };
    log_uniform_duration(rng, hours(2), max)
}

/// A historical exam collected in the last two years. About 90% have a
/// result, released 2 h–7 days after collection, unless that moment is
/// still in the future, in which case the exam is pending.
pub fn seed_exam(rng: &mut Rng, now: DateTime<Utc>) -> Exam {
    let tipo_exame = exam_type(rng);
    let data = instant_between(rng, now - days(HISTORY_DAYS), now);
    let urgente = chance(rng, 0.15);
    let exam = Exam::pending(tipo_exame, data, urgente);
    if !chance(rng, RESULTED_EXAM_SHARE) {
        return exam;
    }
    let released = data + turnaround(rng, urgente);
    if released > now {
        return exam;
    }
    exam.with_outcome(outcome_at(rng, tipo_exame, released))
}

/// An exam collected by the live stream in the last six hours, pending.
pub fn new_exam(rng: &mut Rng, now: DateTime<Utc>) -> Exam {
    let tipo_exame = exam_type(rng);
    let data = instant_between(rng, now - hours(6), now);
    let urgente = chance(rng, 0.2);
    Exam::pending(tipo_exame, data, urgente)
}

/// The result of a pending exam, released now (never before collection).
pub fn exam_outcome(
    rng: &mut Rng,
    tipo_exame: &str,
    collected: DateTime<Utc>,
    now: DateTime<Utc>,
) -> ExamOutcome {
    outcome_at(rng, tipo_exame, collected.max(now))
}

// ---------------------------------------------------------------------------
// Admissions
// ---------------------------------------------------------------------------

/// A row of the admissions table; `data_saida` is `None` while admitted.
#[derive(Debug, Clone, PartialEq)]
pub struct Admission {
    pub data_entrada: DateTime<Utc>,
    pub data_saida: Option<DateTime<Utc>>,
    pub motivo: &'static str,
    pub quarto: String,
}

/// A length of stay: 85% between 1 and 10 days, the rest up to 60 days,
/// short stays being more frequent in each band.
fn stay_length(rng: &mut Rng) -> TimeDelta {
    if chance(rng, 0.85) {
        log_uniform_duration(rng, days(1), days(10))
    } else {
        log_uniform_duration(rng, days(10), days(60))
    }
}

/// A historical admission that started in the last two years. About 11% are
/// still in progress (started less than one stay-length ago); the others
/// were discharged exactly one stay-length after admission, before `now`.
pub fn seed_admission(rng: &mut Rng, now: DateTime<Utc>) -> Admission {
    let stay = stay_length(rng);
    let (data_entrada, data_saida) = if chance(rng, STILL_ADMITTED_SHARE) {
        (
            instant_between(rng, now - stay + TimeDelta::seconds(1), now),
            None,
        )
    } else {
        let entrada = instant_between(rng, now - days(HISTORY_DAYS), now - stay);
        (entrada, Some(entrada + stay))
    };
    Admission {
        data_entrada,
        data_saida,
        motivo: admission_reason(rng),
        quarto: room(rng),
    }
}

/// An admission registered by the live stream in the last 12 hours.
pub fn new_admission(rng: &mut Rng, now: DateTime<Utc>) -> Admission {
    Admission {
        data_entrada: instant_between(rng, now - hours(12), now),
        data_saida: None,
        motivo: admission_reason(rng),
        quarto: room(rng),
    }
}

/// When a patient admitted at `entrada` is discharged by the live stream:
/// within the last two hours before `now`, never before `entrada` and never
/// after `now` (if `entrada` is not in the past, returns `entrada`).
pub fn discharge_time(rng: &mut Rng, entrada: DateTime<Utc>, now: DateTime<Utc>) -> DateTime<Utc> {
    if entrada >= now {
        return entrada;
    }
    instant_between(rng, entrada.max(now - hours(2)), now)
}

/// Assigns the seed's admissions to patients so that one patient's stays never overlap, and so at
/// most one of them is still in progress (the unique index `internacoes_uma_ativa_idx` allows one
/// active admission per patient).
pub struct AdmissionBook<'a> {
    patients: &'a [i64],
    /// Stays per patient (index into `patients`): admission and discharge (None while admitted).
    stays: HashMap<usize, Vec<Stay>>,
}

/// An admission and its discharge (None while admitted).
type Stay = (DateTime<Utc>, Option<DateTime<Utc>>);

/// Random (patient, admission) draws before looking for a patient in order.
const ADMISSION_ATTEMPTS: usize = 64;

impl<'a> AdmissionBook<'a> {
    pub fn new(patients: &'a [i64]) -> AdmissionBook<'a> {
        AdmissionBook {
            patients,
            stays: HashMap::new(),
        }
    }

    /// A historical admission (see [`seed_admission`]) of a random patient whose other stays it
    /// does not overlap. None only when no patient can take it (never while some patient has no
    /// stay yet, which holds as long as there are fewer admissions than patients).
    pub fn admit(&mut self, rng: &mut Rng, now: DateTime<Utc>) -> Option<(i64, Admission)> {
        if self.patients.is_empty() {
            return None;
        }
        let n = self.patients.len();
        for _ in 0..ADMISSION_ATTEMPTS {
            let i = rng.random_range(0..n);
            let a = seed_admission(rng, now);
            if self.fits(i, &a) {
                return Some(self.record(i, a));
            }
        }
        let a = seed_admission(rng, now);
        let start = rng.random_range(0..n);
        let i = (0..n)
            .map(|k| (start + k) % n)
            .find(|&i| self.fits(i, &a))?;
        Some(self.record(i, a))
    }

    fn fits(&self, patient: usize, a: &Admission) -> bool {
        let end = |saida: Option<DateTime<Utc>>| saida.unwrap_or(DateTime::<Utc>::MAX_UTC);
        self.stays.get(&patient).is_none_or(|stays| {
            stays.iter().all(|&(entrada, saida)| {
                a.data_entrada >= end(saida) || entrada >= end(a.data_saida)
            })
        })
    }

    fn record(&mut self, patient: usize, a: Admission) -> (i64, Admission) {
        self.stays
            .entry(patient)
            .or_default()
            .push((a.data_entrada, a.data_saida));
        (self.patients[patient], a)
    }
}

// ---------------------------------------------------------------------------
// Identifiers
// ---------------------------------------------------------------------------

/// 16 random bytes with the RFC 4122 version-4 and variant bits set.
/// Deterministic for the generator's seed, unlike OS-random UUIDs.
pub fn uuid_v4(rng: &mut Rng) -> [u8; 16] {
    let mut bytes: [u8; 16] = rng.random();
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    bytes
}

/// A version-4-shaped UUID unique to `index` (a database id): its last 48 bits are a bijective
/// scramble of the index, the rest random. Unique by construction for ids below 2^48, whatever the
/// seed, so a repeatable stream never collides with the rows of an earlier run.
pub fn uuid_for_index(rng: &mut Rng, index: u64) -> [u8; 16] {
    const MASK: u64 = (1 << 48) - 1;
    let mut bytes = uuid_v4(rng);
    let scrambled = (index.wrapping_mul(0x9E37_79B9_7F4B) & MASK) ^ 0x5DEE_CE66_D1CE;
    bytes[10..].copy_from_slice(&scrambled.to_be_bytes()[2..]);
    bytes
}

/// The canonical lowercase 8-4-4-4-12 text form of a UUID.
pub fn format_uuid(bytes: &[u8; 16]) -> String {
    let mut s = String::with_capacity(36);
    for (i, b) in bytes.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            s.push('-');
        }
        s.push_str(&format!("{b:02x}"));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::super::documents::{is_valid_cpf, UFS};
    use super::super::places::CITIES;
    use super::super::rng_from_seed;
    use super::*;
    use chrono::{TimeZone, Timelike};
    use std::time::Instant;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2025, 3, 14, 15, 9, 26).unwrap()
    }

    fn city_named(name: &str, uf: &str) -> &'static City {
        CITIES
            .iter()
            .find(|c| c.name == name && c.uf == uf)
            .unwrap()
    }

    /// Shares of each value, as fractions of `n`.
    fn shares<K: std::hash::Hash + Eq>(
        values: impl Iterator<Item = K>,
        n: usize,
    ) -> HashMap<K, f64> {
        let mut counts = HashMap::new();
        for v in values {
            *counts.entry(v).or_insert(0usize) += 1;
        }
        counts
            .into_iter()
            .map(|(k, c)| (k, c as f64 / n as f64))
            .collect()
    }

    fn assert_share<K: std::hash::Hash + Eq + std::fmt::Debug>(
        s: &HashMap<K, f64>,
        key: K,
        expected: f64,
    ) {
        let got = s.get(&key).copied().unwrap_or(0.0);
        assert!(
            (got - expected).abs() < 0.03,
            "{key:?}: {got:.3} vs {expected}"
        );
    }

    #[test]
    fn same_seed_and_now_reproduce_every_generator() {
        let run = |seed: u64| {
            let mut rng = rng_from_seed(seed, 7);
            let patients: Vec<_> = (0..50).map(|i| patient(&mut rng, i, now())).collect();
            let doctors: Vec<_> = (0..20).map(|i| doctor(&mut rng, i)).collect();
            let exams: Vec<_> = (0..20).map(|_| seed_exam(&mut rng, now())).collect();
            let appts: Vec<_> = (0..50).map(|_| seed_appointment(&mut rng, now())).collect();
            let adms: Vec<_> = (0..50).map(|_| seed_admission(&mut rng, now())).collect();
            let plans: Vec<_> = (0..20).map(|_| plan_membership(&mut rng, now())).collect();
            let uuids: Vec<_> = (0..20).map(|_| uuid_v4(&mut rng)).collect();
            (patients, doctors, exams, appts, adms, plans, uuids)
        };
        assert_eq!(run(1), run(1));
        let (a, b) = (run(1), run(2));
        assert_ne!(a.0, b.0);
        assert_ne!(a.2, b.2);
        assert_ne!(a.6, b.6);
    }

    #[test]
    fn patients_are_plausible() {
        let mut rng = rng_from_seed(50, 0);
        let today = local_date(now());
        let n = 20_000;
        let patients: Vec<_> = (0..n as i64).map(|i| patient(&mut rng, i, now())).collect();
        for p in &patients {
            assert!(
                p.nascimento <= today && p.nascimento > years_before(today, 100),
                "{p:?}"
            );
            assert!(
                p.data_cadastro >= p.nascimento && p.data_cadastro <= today,
                "{p:?}"
            );
            assert!(p.data_cadastro >= years_before(today, 10), "{p:?}");
            assert!(is_valid_cpf(&p.cpf));
            let home = city_named(p.cidade, p.uf);
            assert!(p.telefone.starts_with(&format!("({}) ", home.ddd)), "{p:?}");
            let prefix: u32 = p.cep[..5].parse().unwrap();
            assert!((home.cep_from..=home.cep_to).contains(&prefix), "{p:?}");
            assert!(p.email.is_ascii() && !p.email.contains(' '), "{p:?}");
            assert!(p.email.bytes().all(|b| !b.is_ascii_uppercase()), "{p:?}");
        }
        let sexes = shares(patients.iter().map(|p| p.sexo), n);
        assert_share(&sexes, Sex::F, 0.5);
        let minors = patients
            .iter()
            .filter(|p| p.nascimento > years_before(today, 18))
            .count();
        let elderly = patients
            .iter()
            .filter(|p| p.nascimento <= years_before(today, 65))
            .count();
        assert!(
            (0.15..0.30).contains(&(minors as f64 / n as f64)),
            "minors {minors}"
        );
        assert!(
            (0.08..0.25).contains(&(elderly as f64 / n as f64)),
            "elderly {elderly}"
        );
    }

    #[test]
    fn contacts_and_doctors() {
        let mut rng = rng_from_seed(51, 0);
        for i in 0..2_000 {
            let c = patient_contact(&mut rng, "Conceição Araújo");
            assert!(
                c.email.contains("araujo") || c.email.contains("conceicao"),
                "{c:?}"
            );
            assert!(c.telefone.starts_with('('));
            let d = doctor(&mut rng, i);
            assert!(!d.nome.starts_with("Dr"), "{d:?}");
            let uf = d.crm.rsplit_once('-').unwrap().1;
            assert!(UFS.contains(&uf), "{d:?}");
            assert!(d.email.is_ascii() && !d.email.contains(' '));
        }
    }

    #[test]
    fn plan_memberships_in_range() {
        let mut rng = rng_from_seed(52, 0);
        let today = local_date(now());
        let mut expired = 0;
        for _ in 0..5_000 {
            let m = plan_membership(&mut rng, now());
            assert!((16..=20).contains(&m.numero_carteira.len()));
            assert!(m.numero_carteira.bytes().all(|b| b.is_ascii_digit()));
            assert!(!m.numero_carteira.starts_with('0'));
            assert!(
                m.validade >= today - days(365) && m.validade <= today + days(3 * 365),
                "{m:?}"
            );
            if m.validade < today {
                expired += 1;
            }
        }
        assert!((1_000..1_500).contains(&expired), "expired {expired}");
    }

    fn assert_clinic_hours(t: DateTime<Utc>) {
        let local = t + hours(SAO_PAULO_OFFSET_HOURS);
        assert!((7..19).contains(&local.hour()), "{t}");
        assert_eq!(local.minute() % 15, 0, "{t}");
        assert_eq!(local.second(), 0, "{t}");
        assert_ne!(local.weekday(), Weekday::Sun, "{t}");
    }

    #[test]
    fn seeded_appointments_respect_time() {
        let mut rng = rng_from_seed(53, 0);
        let n = 30_000;
        let appts: Vec<_> = (0..n).map(|_| seed_appointment(&mut rng, now())).collect();
        for a in &appts {
            assert!(
                a.data >= now() - days(HISTORY_DAYS)
                    && a.data <= now() + days(BOOKING_HORIZON_DAYS)
            );
            assert_clinic_hours(a.data);
            assert!((8_000..=90_000).contains(&a.valor_centavos));
            if a.data >= now() {
                assert!(matches!(a.status, Agendada | Cancelada), "{a:?}");
            } else {
                assert_ne!(a.status, Agendada, "{a:?}");
            }
        }
        let past: Vec<_> = appts.iter().filter(|a| a.data < now()).collect();
        let s = shares(past.iter().map(|a| a.status), past.len());
        assert_share(&s, Realizada, 0.8);
        assert_share(&s, Faltou, 0.1);
        assert_share(&s, Cancelada, 0.1);
        let future: Vec<_> = appts.iter().filter(|a| a.data >= now()).collect();
        let s = shares(future.iter().map(|a| a.status), future.len());
        assert_share(&s, Agendada, 0.9);
    }

    #[test]
    fn live_appointments_and_lifecycle() {
        let mut rng = rng_from_seed(54, 0);
        for _ in 0..5_000 {
            let a = new_appointment(&mut rng, now());
            assert_eq!(a.status, Agendada);
            assert!(a.data >= now() + hours(1) && a.data <= now() + days(BOOKING_HORIZON_DAYS));
            assert_clinic_hours(a.data);
            assert_eq!(next_appointment_status(&mut rng, a.data, now()), Cancelada);
        }
        let n = 20_000;
        let past = now() - hours(3);
        let s = shares(
            (0..n).map(|_| next_appointment_status(&mut rng, past, now())),
            n,
        );
        assert_share(&s, Realizada, 0.85);
        assert_share(&s, Faltou, 0.10);
        assert_share(&s, Cancelada, 0.05);
        assert_eq!(s.get(&Agendada), None);
        assert_eq!(Realizada.code(), "realizada");
        assert_eq!(Faltou.code(), "faltou");
    }

    #[test]
    fn seeded_exams_respect_time() {
        let mut rng = rng_from_seed(55, 0);
        let n = 4_000;
        let mut with_result = 0;
        for _ in 0..n {
            let e = seed_exam(&mut rng, now());
            assert!(e.data >= now() - days(HISTORY_DAYS) && e.data <= now());
            match (&e.resultado, &e.laudo, e.data_resultado) {
                (Some(r), Some(l), Some(at)) => {
                    with_result += 1;
                    assert!(at >= e.data + hours(2) && at <= now(), "{at} vs {}", e.data);
                    assert_eq!(r["exame"], e.tipo_exame);
                    assert!(l.contains(e.tipo_exame));
                }
                (None, None, None) => {}
                _ => panic!("partially filled exam {e:?}"),
            }
        }
        let share = with_result as f64 / n as f64;
        assert!((0.86..0.93).contains(&share), "with result {share}");
    }

    #[test]
    fn live_exams_and_outcomes() {
        let mut rng = rng_from_seed(56, 0);
        for _ in 0..500 {
            let e = new_exam(&mut rng, now());
            assert!(e.data >= now() - hours(6) && e.data <= now());
            assert!(e.resultado.is_none() && e.laudo.is_none() && e.data_resultado.is_none());
            let o = exam_outcome(&mut rng, e.tipo_exame, e.data, now());
            assert_eq!(o.data_resultado, now());
            assert!(o.laudo.contains(e.tipo_exame));
        }
        // A collection time after `now` (clock skew) never yields an earlier result.
        let later = now() + hours(1);
        assert_eq!(
            exam_outcome(&mut rng, "TSH", later, now()).data_resultado,
            later
        );
    }

    #[test]
    fn seeded_admissions_respect_time() {
        let mut rng = rng_from_seed(57, 0);
        let n = 20_000;
        let mut still = 0;
        let mut short = 0;
        for _ in 0..n {
            let a = seed_admission(&mut rng, now());
            assert!(
                a.data_entrada >= now() - days(HISTORY_DAYS) && a.data_entrada <= now(),
                "{a:?}"
            );
            match a.data_saida {
                None => still += 1,
                Some(saida) => {
                    assert!(saida > a.data_entrada && saida <= now(), "{a:?}");
                    let stay = saida - a.data_entrada;
                    assert!(stay >= days(1) && stay <= days(60), "{a:?}");
                    if stay <= days(10) {
                        short += 1;
                    }
                }
            }
        }
        let share = still as f64 / n as f64;
        assert!((0.08..=0.15).contains(&share), "still admitted {share}");
        assert!(
            short as f64 / (n - still) as f64 > 0.75,
            "short stays {short}"
        );
    }

    #[test]
    fn a_patient_never_has_overlapping_or_two_active_admissions() {
        let mut rng = rng_from_seed(59, 0);
        // The seed's ratio (1,200 admissions for 2,000 patients), and a crowded one.
        for (patients, admissions) in [(2_000i64, 1_200), (10, 9)] {
            let ids: Vec<i64> = (1..=patients).collect();
            let mut book = AdmissionBook::new(&ids);
            let mut per_patient: HashMap<i64, Vec<Admission>> = HashMap::new();
            for _ in 0..admissions {
                let (p, a) = book.admit(&mut rng, now()).expect("a patient takes it");
                per_patient.entry(p).or_default().push(a);
            }
            let far = DateTime::<Utc>::MAX_UTC;
            for (p, stays) in &per_patient {
                let active = stays.iter().filter(|a| a.data_saida.is_none()).count();
                assert!(active <= 1, "patient {p}: {active} active admissions");
                for (i, a) in stays.iter().enumerate() {
                    for b in &stays[i + 1..] {
                        let overlap = a.data_entrada < b.data_saida.unwrap_or(far)
                            && b.data_entrada < a.data_saida.unwrap_or(far);
                        assert!(!overlap, "patient {p}: {a:?} overlaps {b:?}");
                    }
                }
            }
        }
        assert!(AdmissionBook::new(&[]).admit(&mut rng, now()).is_none());
    }

    #[test]
    fn live_admissions_and_discharges() {
        let mut rng = rng_from_seed(58, 0);
        for _ in 0..5_000 {
            let a = new_admission(&mut rng, now());
            assert!(a.data_saida.is_none());
            assert!(a.data_entrada >= now() - hours(12) && a.data_entrada <= now());
            let d = discharge_time(&mut rng, a.data_entrada, now());
            assert!(d >= a.data_entrada && d <= now(), "{d} {a:?}");
            let old = now() - days(5);
            let d = discharge_time(&mut rng, old, now());
            assert!(d >= old && d <= now());
        }
        let future = now() + hours(2);
        assert_eq!(discharge_time(&mut rng, future, now()), future);
        assert_eq!(discharge_time(&mut rng, now(), now()), now());
    }

    #[test]
    fn uuids_for_indexes_are_unique_and_well_formed() {
        let mut rng = rng_from_seed(1, 1);
        let mut same_seed = rng_from_seed(1, 1);
        let uuids: std::collections::HashSet<[u8; 16]> =
            (0..100_000).map(|i| uuid_for_index(&mut rng, i)).collect();
        assert_eq!(uuids.len(), 100_000);
        // The same random draws with other indexes still give other UUIDs.
        assert_ne!(
            uuid_for_index(&mut same_seed, 7),
            uuid_for_index(&mut rng_from_seed(1, 1), 8)
        );
        assert!(uuids.iter().all(|u| u[6] >> 4 == 4 && u[8] >> 6 == 0b10));
    }

    #[test]
    fn uuids_have_version_and_variant() {
        let mut rng = rng_from_seed(59, 0);
        let mut seen = std::collections::HashSet::new();
        for _ in 0..1_000 {
            let u = uuid_v4(&mut rng);
            assert_eq!(u[6] >> 4, 4);
            assert_eq!(u[8] >> 6, 0b10);
            assert!(seen.insert(u));
            let text = format_uuid(&u);
            assert_eq!(text.len(), 36);
            assert_eq!(text.as_bytes()[14], b'4');
        }
        assert_eq!(
            format_uuid(&[0xab; 16]),
            "abababab-abab-abab-abab-abababababab"
        );
    }

    /// Throughput measurement, printed rather than asserted. Run with
    /// `cargo test --release -- --nocapture bench`.
    #[test]
    fn bench_generation_speed() {
        fn rate(label: &str, mut f: impl FnMut() -> usize) {
            let start = Instant::now();
            let mut rows = 0usize;
            let mut bytes = 0usize;
            while start.elapsed().as_millis() < 250 {
                bytes += f();
                rows += 1;
            }
            let secs = start.elapsed().as_secs_f64();
            println!(
                "bench {label}: {:.0} rows/s ({rows} rows, avg {} bytes)",
                rows as f64 / secs,
                bytes / rows.max(1)
            );
        }
        let mut rng = rng_from_seed(60, 0);
        rate("patient", || patient(&mut rng, 1, now()).nome.len());
        rate("doctor", || doctor(&mut rng, 1).nome.len());
        rate("seed_exam (90% with result+laudo)", || {
            seed_exam(&mut rng, now()).laudo.map_or(0, |l| l.len())
        });
        rate("exam_outcome (result+laudo)", || {
            exam_outcome(&mut rng, "Hemograma completo", now(), now())
                .laudo
                .len()
        });
        rate("seed_appointment", || {
            seed_appointment(&mut rng, now()).motivo.len()
        });
        rate("seed_admission", || {
            seed_admission(&mut rng, now()).quarto.len()
        });
    }
}
