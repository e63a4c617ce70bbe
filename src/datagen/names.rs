//! Person names and e-mail addresses derived from them.
//!
//! fake's pt_BR first-name list does not say which names are female or male,
//! so first names come from our own lists (popular names of several
//! generations). Surnames mix a frequency-weighted list of the most common
//! Brazilian surnames with fake's `LastName(PT_BR)` list for variety.

use super::choice::{chance, pick, pick_pair, push_digits};
use super::Rng;
use fake::faker::name::raw::LastName;
use fake::locales::PT_BR;
use fake::Fake;
use rand::RngExt;

/// Sex of a person, as stored in the database (`"F"` / `"M"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Sex {
    F,
    M,
}

impl Sex {
    /// The single-letter database code.
    pub fn code(&self) -> &'static str {
        match self {
            Sex::F => "F",
            Sex::M => "M",
        }
    }

    /// Either sex with equal probability.
    pub fn random(rng: &mut Rng) -> Sex {
        if rng.random::<bool>() {
            Sex::F
        } else {
            Sex::M
        }
    }

    /// Courtesy title used before a doctor's name in reports.
    pub fn doctor_title(&self) -> &'static str {
        match self {
            Sex::F => "Dra.",
            Sex::M => "Dr.",
        }
    }
}

const FEMALE_FIRST_NAMES: &[&str] = &[
    "Maria",
    "Ana",
    "Francisca",
    "Antônia",
    "Adriana",
    "Juliana",
    "Márcia",
    "Fernanda",
    "Patrícia",
    "Aline",
    "Sandra",
    "Camila",
    "Amanda",
    "Bruna",
    "Jéssica",
    "Letícia",
    "Júlia",
    "Luciana",
    "Vanessa",
    "Mariana",
    "Gabriela",
    "Vera",
    "Vitória",
    "Larissa",
    "Cláudia",
    "Beatriz",
    "Luana",
    "Rita",
    "Sônia",
    "Renata",
    "Eliane",
    "Josefa",
    "Simone",
    "Natália",
    "Cristiane",
    "Carla",
    "Débora",
    "Rosângela",
    "Jaqueline",
    "Rosa",
    "Daniela",
    "Aparecida",
    "Marlene",
    "Terezinha",
    "Raimunda",
    "Andréia",
    "Fabiana",
    "Lúcia",
    "Raquel",
    "Ângela",
    "Rafaela",
    "Joana",
    "Luzia",
    "Elaine",
    "Daniele",
    "Regina",
    "Daiane",
    "Sabrina",
    "Helena",
    "Alice",
    "Laura",
    "Valentina",
    "Heloísa",
    "Sophia",
    "Isabela",
    "Manuela",
    "Lívia",
    "Cecília",
    "Lorena",
    "Yasmin",
    "Clara",
    "Giovanna",
    "Lara",
    "Eduarda",
    "Rebeca",
    "Emanuelly",
    "Tatiane",
    "Priscila",
    "Kelly",
    "Solange",
];

const MALE_FIRST_NAMES: &[&str] = &[
    "José",
    "João",
    "Antônio",
    "Francisco",
    "Carlos",
    "Paulo",
    "Pedro",
    "Lucas",
    "Luiz",
    "Marcos",
    "Luís",
    "Gabriel",
    "Rafael",
    "Daniel",
    "Marcelo",
    "Bruno",
    "Eduardo",
    "Felipe",
    "Raimundo",
    "Rodrigo",
    "Manoel",
    "Mateus",
    "André",
    "Fernando",
    "Fábio",
    "Leonardo",
    "Gustavo",
    "Guilherme",
    "Leandro",
    "Tiago",
    "Anderson",
    "Ricardo",
    "Márcio",
    "Jorge",
    "Sebastião",
    "Alexandre",
    "Roberto",
    "Edson",
    "Diego",
    "Vitor",
    "Sérgio",
    "Cláudio",
    "Matheus",
    "Thiago",
    "Geraldo",
    "Adriano",
    "Luciano",
    "Júlio",
    "Renato",
    "Alex",
    "Vinícius",
    "Rogério",
    "Samuel",
    "Ronaldo",
    "Mário",
    "Flávio",
    "Douglas",
    "Igor",
    "Davi",
    "Miguel",
    "Arthur",
    "Heitor",
    "Bernardo",
    "Théo",
    "Lorenzo",
    "Benjamin",
    "Enzo",
    "Henrique",
    "Emanuel",
    "Joaquim",
    "Caio",
    "Otávio",
    "Wellington",
    "Wesley",
    "Everton",
    "Reginaldo",
    "Benedito",
    "Valdir",
    "Murilo",
    "Nicolas",
];

/// The most frequent Brazilian surnames, weighted roughly by frequency.
const COMMON_SURNAMES: &[(&str, u32)] = &[
    ("Silva", 60),
    ("Santos", 40),
    ("Oliveira", 30),
    ("Souza", 28),
    ("Rodrigues", 18),
    ("Ferreira", 17),
    ("Alves", 17),
    ("Pereira", 16),
    ("Lima", 15),
    ("Gomes", 13),
    ("Costa", 12),
    ("Ribeiro", 12),
    ("Martins", 11),
    ("Carvalho", 11),
    ("Almeida", 10),
    ("Lopes", 9),
    ("Soares", 9),
    ("Fernandes", 9),
    ("Vieira", 8),
    ("Barbosa", 8),
    ("Rocha", 8),
    ("Dias", 8),
    ("Nascimento", 8),
    ("Andrade", 7),
    ("Moreira", 7),
    ("Nunes", 7),
    ("Marques", 7),
    ("Machado", 6),
    ("Mendes", 6),
    ("Freitas", 6),
    ("Cardoso", 6),
    ("Ramos", 6),
    ("Gonçalves", 6),
    ("Santana", 5),
    ("Teixeira", 5),
    ("Araújo", 8),
    ("Cavalcanti", 3),
    ("Monteiro", 4),
    ("Moura", 4),
    ("Correia", 4),
    ("Pinto", 4),
    ("Batista", 4),
    ("Campos", 3),
    ("Barros", 3),
    ("Xavier", 2),
    ("Duarte", 3),
    ("Castro", 3),
    ("Melo", 5),
    ("Azevedo", 3),
    ("Cunha", 3),
];

/// Free e-mail providers popular in Brazil, weighted by popularity.
const EMAIL_PROVIDERS: &[(&str, u32)] = &[
    ("gmail.com", 45),
    ("hotmail.com", 20),
    ("outlook.com", 10),
    ("yahoo.com.br", 10),
    ("uol.com.br", 8),
    ("bol.com.br", 7),
];

/// Lowercase words that join surnames ("da Silva") and are left out of e-mails.
const PARTICLES: &[&str] = &["da", "de", "do", "das", "dos", "e"];

/// A first name that matches `sex`.
pub fn first_name(rng: &mut Rng, sex: Sex) -> &'static str {
    match sex {
        Sex::F => pick(rng, FEMALE_FIRST_NAMES),
        Sex::M => pick(rng, MALE_FIRST_NAMES),
    }
}

/// One surname: usually a very common one, sometimes one from fake's list.
pub fn surname(rng: &mut Rng) -> &'static str {
    if chance(rng, 0.65) {
        return pick_pair(rng, COMMON_SURNAMES);
    }
    loop {
        let name: &'static str = LastName(PT_BR).fake_with_rng(rng);
        // fake's list contains one malformed entry with a quote in it.
        if !name.contains('"') {
            return name;
        }
    }
}

/// A full name like "Maria Eduarda Santos Oliveira": one or two first names
/// of the given sex and one or two distinct surnames.
pub fn full_name(rng: &mut Rng, sex: Sex) -> String {
    let mut name = String::with_capacity(40);
    let first = first_name(rng, sex);
    name.push_str(first);
    if chance(rng, 0.25) {
        let second = first_name(rng, sex);
        if second != first {
            name.push(' ');
            name.push_str(second);
        }
    }
    let last = surname(rng);
    if chance(rng, 0.7) {
        let middle = surname(rng);
        if middle != last {
            name.push(' ');
            name.push_str(middle);
        }
    }
    name.push(' ');
    name.push_str(last);
    name
}

/// Maps one character to lowercase ASCII for e-mails (accents removed);
/// `None` for characters that cannot appear in an e-mail local part.
fn ascii_fold(c: char) -> Option<char> {
    let folded = match c.to_lowercase().next().unwrap_or(c) {
        'á' | 'à' | 'â' | 'ã' | 'ä' => 'a',
        'é' | 'è' | 'ê' | 'ë' => 'e',
        'í' | 'ì' | 'î' | 'ï' => 'i',
        'ó' | 'ò' | 'ô' | 'õ' | 'ö' => 'o',
        'ú' | 'ù' | 'û' | 'ü' => 'u',
        'ç' => 'c',
        'ñ' => 'n',
        other => other,
    };
    folded.is_ascii_alphanumeric().then_some(folded)
}

/// The name's words folded to ASCII, without particles ("da", "de", ...).
fn email_words(nome: &str) -> Vec<String> {
    nome.split_whitespace()
        .filter(|w| !PARTICLES.contains(&w.to_lowercase().as_str()))
        .map(|w| w.chars().filter_map(ascii_fold).collect::<String>())
        .filter(|w| !w.is_empty())
        .collect()
}

/// A plausible personal e-mail derived from the name, e.g.
/// "maria.silva87@gmail.com": lowercase ASCII, no accents, no spaces.
pub fn email_for(rng: &mut Rng, nome: &str) -> String {
    let words = email_words(nome);
    let first = words.first().map_or("paciente", String::as_str);
    let last = words.last().map_or("", String::as_str);
    let mut email = String::with_capacity(40);
    match rng.random_range(0..5u8) {
        0 => {
            email.push_str(first);
            email.push_str(last);
        }
        1 => {
            email.push_str(first);
            email.push('_');
            email.push_str(last);
        }
        2 => {
            email.push(first.chars().next().unwrap_or('x'));
            email.push_str(last);
        }
        _ => {
            email.push_str(first);
            email.push('.');
            email.push_str(last);
        }
    }
    if last.is_empty() || chance(rng, 0.55) {
        let count = rng.random_range(2..=4usize);
        push_digits(rng, &mut email, count);
    }
    email.push('@');
    email.push_str(pick_pair(rng, EMAIL_PROVIDERS));
    email
}

#[cfg(test)]
mod tests {
    use super::super::rng_from_seed;
    use super::*;

    #[test]
    fn names_match_sex_lists() {
        let mut rng = rng_from_seed(30, 0);
        for _ in 0..2_000 {
            let sex = Sex::random(&mut rng);
            let name = full_name(&mut rng, sex);
            let first = name.split(' ').next().unwrap();
            let list = if sex == Sex::F {
                FEMALE_FIRST_NAMES
            } else {
                MALE_FIRST_NAMES
            };
            assert!(list.contains(&first), "{name} ({sex:?})");
            let words = name.split(' ').count();
            assert!((2..=5).contains(&words), "{name}");
            assert!(!name.contains('"'), "{name}");
        }
    }

    #[test]
    fn first_name_lists_do_not_overlap() {
        for f in FEMALE_FIRST_NAMES {
            assert!(!MALE_FIRST_NAMES.contains(f), "{f} in both lists");
        }
    }

    #[test]
    fn emails_are_plain_ascii() {
        let mut rng = rng_from_seed(31, 0);
        for _ in 0..3_000 {
            let sex = Sex::random(&mut rng);
            let name = full_name(&mut rng, sex);
            let email = email_for(&mut rng, &name);
            let (local, domain) = email.split_once('@').expect(&email);
            assert!(!local.is_empty());
            assert!(
                local.bytes().all(|b| b.is_ascii_lowercase()
                    || b.is_ascii_digit()
                    || b == b'.'
                    || b == b'_'),
                "{email}"
            );
            assert!(EMAIL_PROVIDERS.iter().any(|(p, _)| *p == domain), "{email}");
        }
    }

    #[test]
    fn email_drops_accents_and_particles() {
        let mut rng = rng_from_seed(32, 0);
        for _ in 0..50 {
            let email = email_for(&mut rng, "João da Conceição");
            assert!(email.contains("conceicao"), "{email}");
            assert!(email.starts_with('j'), "{email}");
            assert!(!email.contains("da.") && !email.contains(".da"), "{email}");
        }
        assert_eq!(email_words("Ana de Souza"), vec!["ana", "souza"]);
        assert_eq!(email_words("Ângela D'Ávila"), vec!["angela", "davila"]);
    }

    #[test]
    fn sex_codes() {
        assert_eq!(Sex::F.code(), "F");
        assert_eq!(Sex::M.code(), "M");
        assert_eq!(Sex::F.doctor_title(), "Dra.");
    }
}
