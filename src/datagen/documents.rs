//! Brazilian identity documents: CPF (people), CNPJ (companies) and CRM
//! (doctors' council registration). CPF and CNPJ carry valid mod-11 check
//! digits so they pass the validations real systems apply.

use super::choice::push_digits;
use super::Rng;
use rand::RngExt;

/// The 27 federative units (26 states + Distrito Federal).
pub const UFS: [&str; 27] = [
    "AC", "AL", "AP", "AM", "BA", "CE", "DF", "ES", "GO", "MA", "MT", "MS", "MG", "PA", "PB", "PR",
    "PE", "PI", "RJ", "RN", "RS", "RO", "RR", "SC", "SP", "SE", "TO",
];

const CPF_WEIGHTS_1: [u32; 9] = [10, 9, 8, 7, 6, 5, 4, 3, 2];
const CPF_WEIGHTS_2: [u32; 10] = [11, 10, 9, 8, 7, 6, 5, 4, 3, 2];
const CNPJ_WEIGHTS_1: [u32; 12] = [5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2];
const CNPJ_WEIGHTS_2: [u32; 13] = [6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2];

/// Number of distinct CPFs [`cpf_from_index`] can produce before repeating.
pub const CPF_INDEX_SPACE: u64 = 900_000_000;

/// True if `s` is one of the 27 real UFs.
pub fn is_uf(s: &str) -> bool {
    UFS.contains(&s)
}

/// One mod-11 check digit (the rule shared by CPF and CNPJ): weighted sum,
/// remainder below 2 gives 0, otherwise 11 minus the remainder.
fn mod11_digit(digits: &[u8], weights: &[u32]) -> u8 {
    let sum: u32 = digits
        .iter()
        .zip(weights)
        .map(|(&d, &w)| u32::from(d) * w)
        .sum();
    match sum % 11 {
        r if r < 2 => 0,
        r => (11 - r) as u8,
    }
}

/// The two check digits for `base`, given the weights of each digit.
fn check_digits(base: &[u8], weights_1: &[u32], weights_2: &[u32]) -> [u8; 2] {
    let first = mod11_digit(base, weights_1);
    let mut extended = base.to_vec();
    extended.push(first);
    [first, mod11_digit(&extended, weights_2)]
}

/// Parses exactly `len` ASCII digits into their values.
fn parse_digits(s: &str, len: usize) -> Option<Vec<u8>> {
    (s.len() == len && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.bytes().map(|b| b - b'0').collect())
}

fn all_same(digits: &[u8]) -> bool {
    digits.windows(2).all(|w| w[0] == w[1])
}

fn digits_to_string(digits: &[u8]) -> String {
    digits.iter().map(|&d| char::from(b'0' + d)).collect()
}

/// Checks a full document number against its two trailing check digits.
fn has_valid_check_digits(s: &str, len: usize, weights_1: &[u32], weights_2: &[u32]) -> bool {
    match parse_digits(s, len) {
        Some(d) if !all_same(&d) => {
            check_digits(&d[..len - 2], weights_1, weights_2) == [d[len - 2], d[len - 1]]
        }
        _ => false,
    }
}

/// Computes the two CPF check digits for a 9-digit base.
///
/// # Panics
/// If `first9` is not exactly 9 ASCII digits.
pub fn cpf_check_digits(first9: &str) -> String {
    let base = parse_digits(first9, 9).expect("cpf_check_digits needs 9 digits");
    digits_to_string(&check_digits(&base, &CPF_WEIGHTS_1, &CPF_WEIGHTS_2))
}

/// Computes the two CNPJ check digits for a 12-digit base
/// (8-digit root + 4-digit branch number).
///
/// # Panics
/// If `first12` is not exactly 12 ASCII digits.
pub fn cnpj_check_digits(first12: &str) -> String {
    let base = parse_digits(first12, 12).expect("cnpj_check_digits needs 12 digits");
    digits_to_string(&check_digits(&base, &CNPJ_WEIGHTS_1, &CNPJ_WEIGHTS_2))
}

/// A random valid CPF: 11 digits without punctuation, never all the same
/// digit. Random draws can repeat (about n²/2·10⁹ collisions for n draws);
/// use [`cpf_from_index`] where uniqueness matters.
pub fn cpf(rng: &mut Rng) -> String {
    let mut base = String::with_capacity(11);
    loop {
        base.clear();
        push_digits(rng, &mut base, 9);
        if !all_same(base.as_bytes()) {
            break;
        }
    }
    let check = cpf_check_digits(&base);
    base.push_str(&check);
    base
}

/// A valid CPF that is unique per index: distinct `index` values below
/// [`CPF_INDEX_SPACE`] always give distinct CPFs (larger indices wrap).
/// Consecutive indices are scrambled so the numbers still look random.
/// Use it with a table's row number to satisfy a UNIQUE constraint.
pub fn cpf_from_index(index: u64) -> String {
    const SPACE_8: u64 = 100_000_000;
    // Affine permutation of the first 8 digits; the multiplier is coprime
    // with 10^8 (odd, not a multiple of 5), so the map is a bijection.
    const MULTIPLIER: u64 = 73_939_133;
    const OFFSET: u64 = 21_640_517;
    let index = index % CPF_INDEX_SPACE;
    let first8 = ((index / 9) * MULTIPLIER + OFFSET) % SPACE_8;
    let mut base = format!("{first8:08}");
    // The 9th digit is never equal to the 1st, so the CPF is never made of a
    // single repeated digit; `index % 9` selects one of the 9 other digits.
    let lead = u64::from(base.as_bytes()[0] - b'0');
    let ninth = (lead + 1 + index % 9) % 10;
    base.push(char::from(b'0' + ninth as u8));
    let check = cpf_check_digits(&base);
    base.push_str(&check);
    base
}

/// True if `s` is 11 digits, not all equal, with correct check digits.
pub fn is_valid_cpf(s: &str) -> bool {
    has_valid_check_digits(s, 11, &CPF_WEIGHTS_1, &CPF_WEIGHTS_2)
}

/// A random valid CNPJ of a head office: 8-digit root + "0001" + 2 check
/// digits, 14 digits without punctuation.
pub fn cnpj(rng: &mut Rng) -> String {
    let mut base = String::with_capacity(14);
    loop {
        base.clear();
        push_digits(rng, &mut base, 8);
        if !all_same(base.as_bytes()) {
            break;
        }
    }
    base.push_str("0001");
    let check = cnpj_check_digits(&base);
    base.push_str(&check);
    base
}

/// True if `s` is 14 digits, not all equal, with correct check digits.
pub fn is_valid_cnpj(s: &str) -> bool {
    has_valid_check_digits(s, 14, &CNPJ_WEIGHTS_1, &CNPJ_WEIGHTS_2)
}

/// A CRM registration like `"123456-SP"`: a 4–6 digit number followed by the
/// UF of the regional council. `uf` should be one of [`UFS`].
pub fn crm(rng: &mut Rng, uf: &str) -> String {
    debug_assert!(is_uf(uf), "unknown UF {uf}");
    format!("{}-{}", rng.random_range(1_000..=250_000u32), uf)
}

/// The CRM of the doctor with this database id: a registration number unique per id (an affine
/// permutation of 100000..=999999, so consecutive ids look unrelated) and the doctor's UF.
pub fn crm_from_index(index: u64, uf: &str) -> String {
    const SPAN: u64 = 900_000;
    format!(
        "{}-{}",
        100_000 + (index % SPAN * 7_919 + 31_337) % SPAN,
        uf
    )
}

#[cfg(test)]
mod tests {
    use super::super::rng_from_seed;
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn crm_from_index_is_unique_per_id() {
        let crms: HashSet<String> = (0..100_000).map(|i| crm_from_index(i, "SP")).collect();
        assert_eq!(crms.len(), 100_000);
        assert!(crms.iter().all(|c| c.len() == 9 && c.ends_with("-SP")));
    }

    #[test]
    fn known_cpfs() {
        assert!(is_valid_cpf("52998224725"));
        assert!(is_valid_cpf("11144477735"));
        assert!(!is_valid_cpf("52998224726")); // wrong last digit
        assert!(!is_valid_cpf("11111111111")); // passes mod 11 but all same
        assert!(!is_valid_cpf("00000000000"));
        assert!(!is_valid_cpf("5299822472")); // too short
        assert!(!is_valid_cpf("529.982.247-25")); // punctuation
        assert_eq!(cpf_check_digits("529982247"), "25");
    }

    #[test]
    fn known_cnpjs() {
        assert_eq!(cnpj_check_digits("112223330001"), "81");
        assert_eq!(cnpj_check_digits("113222330001"), "27");
        assert!(is_valid_cnpj("11222333000181"));
        assert!(is_valid_cnpj("33000167000101")); // Petrobras head office
        assert!(!is_valid_cnpj("11222333000182"));
        assert!(!is_valid_cnpj("00000000000000"));
        assert!(!is_valid_cnpj("1122233300018"));
    }

    #[test]
    fn random_cpfs_are_valid() {
        let mut rng = rng_from_seed(10, 1);
        for _ in 0..5_000 {
            let c = cpf(&mut rng);
            assert!(is_valid_cpf(&c), "{c}");
        }
    }

    #[test]
    fn random_cnpjs_are_valid_head_offices() {
        let mut rng = rng_from_seed(10, 2);
        for _ in 0..5_000 {
            let c = cnpj(&mut rng);
            assert_eq!(&c[8..12], "0001");
            assert!(is_valid_cnpj(&c), "{c}");
        }
    }

    #[test]
    fn indexed_cpfs_are_valid_and_unique() {
        let mut seen = HashSet::new();
        let indices = (0..50_000u64).chain((0..2_000).map(|i| CPF_INDEX_SPACE - 1 - i * 7919));
        for i in indices {
            let c = cpf_from_index(i);
            assert!(is_valid_cpf(&c), "{i} -> {c}");
            assert!(seen.insert(c), "duplicate CPF for index {i}");
        }
        assert_eq!(cpf_from_index(5), cpf_from_index(5 + CPF_INDEX_SPACE));
    }

    #[test]
    fn crm_format() {
        let mut rng = rng_from_seed(10, 3);
        for uf in UFS {
            let c = crm(&mut rng, uf);
            let (number, suffix) = c.split_once('-').unwrap();
            assert_eq!(suffix, uf);
            assert!((4..=6).contains(&number.len()), "{c}");
            assert!(number.bytes().all(|b| b.is_ascii_digit()));
        }
    }

    #[test]
    fn ufs_are_distinct_two_letter_codes() {
        let set: HashSet<_> = UFS.iter().collect();
        assert_eq!(set.len(), 27);
        assert!(UFS
            .iter()
            .all(|u| u.len() == 2 && u.bytes().all(|b| b.is_ascii_uppercase())));
        assert!(is_uf("SP") && !is_uf("XX"));
    }
}
