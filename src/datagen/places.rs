//! Real Brazilian cities (with their DDD area code and CEP range), phone
//! numbers and street addresses.

use super::choice::{chance, pick, pick_pair, pick_weighted, push_digits};
use super::Rng;
use rand::RngExt;
use std::fmt::Write;

/// A real city, used to give patients and doctors a consistent location:
/// the phone DDD and the CEP both come from the city.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct City {
    /// Official name, with accents ("São Paulo").
    pub name: &'static str,
    /// Federative unit ("SP").
    pub uf: &'static str,
    /// Telephone area code.
    pub ddd: u8,
    /// First 5 digits of the lowest CEP of the city (inclusive).
    pub cep_from: u32,
    /// First 5 digits of the highest CEP of the city (inclusive).
    pub cep_to: u32,
    /// Relative draw frequency: population in thousands (Censo 2022, rounded).
    pub weight: u32,
}

const fn c(
    name: &'static str,
    uf: &'static str,
    ddd: u8,
    cep_from: u32,
    cep_to: u32,
    weight: u32,
) -> City {
    City {
        name,
        uf,
        ddd,
        cep_from,
        cep_to,
        weight,
    }
}

/// Cities covering all 27 UFs, weighted by population. CEP ranges follow the
/// Correios ranges for each municipality (main range only where a city has
/// several).
pub const CITIES: &[City] = &[
    // Sudeste
    c("São Paulo", "SP", 11, 1000, 5999, 11450),
    c("Guarulhos", "SP", 11, 7000, 7399, 1291),
    c("Campinas", "SP", 19, 13000, 13139, 1139),
    c("São Bernardo do Campo", "SP", 11, 9600, 9899, 810),
    c("Santo André", "SP", 11, 9000, 9299, 748),
    c("Osasco", "SP", 11, 6000, 6299, 728),
    c("Sorocaba", "SP", 15, 18000, 18109, 723),
    c("Ribeirão Preto", "SP", 16, 14000, 14114, 698),
    c("São José dos Campos", "SP", 12, 12200, 12249, 697),
    c("São José do Rio Preto", "SP", 17, 15000, 15104, 480),
    c("Mogi das Cruzes", "SP", 11, 8700, 8899, 451),
    c("Jundiaí", "SP", 11, 13200, 13219, 443),
    c("Piracicaba", "SP", 19, 13400, 13439, 423),
    c("Santos", "SP", 13, 11000, 11249, 418),
    c("Mauá", "SP", 11, 9300, 9399, 418),
    c("Diadema", "SP", 11, 9900, 9999, 393),
    c("Bauru", "SP", 14, 17000, 17119, 379),
    c("Rio de Janeiro", "RJ", 21, 20000, 23799, 6211),
    c("São Gonçalo", "RJ", 21, 24400, 24799, 896),
    c("Duque de Caxias", "RJ", 21, 25000, 25499, 808),
    c("Nova Iguaçu", "RJ", 21, 26000, 26099, 785),
    c("Campos dos Goytacazes", "RJ", 22, 28000, 28179, 483),
    c("Niterói", "RJ", 21, 24000, 24399, 481),
    c("São João de Meriti", "RJ", 21, 25500, 25599, 440),
    c("Petrópolis", "RJ", 24, 25600, 25779, 278),
    c("Volta Redonda", "RJ", 24, 27200, 27299, 261),
    c("Belo Horizonte", "MG", 31, 30000, 31999, 2315),
    c("Uberlândia", "MG", 34, 38400, 38439, 713),
    c("Contagem", "MG", 31, 32000, 32399, 621),
    c("Juiz de Fora", "MG", 32, 36000, 36107, 540),
    c("Montes Claros", "MG", 38, 39400, 39429, 414),
    c("Betim", "MG", 31, 32600, 32699, 411),
    c("Uberaba", "MG", 34, 38000, 38107, 337),
    c("Governador Valadares", "MG", 33, 35000, 35109, 257),
    c("Serra", "ES", 27, 29160, 29184, 520),
    c("Vila Velha", "ES", 27, 29100, 29129, 467),
    c("Cariacica", "ES", 27, 29140, 29159, 353),
    c("Vitória", "ES", 27, 29000, 29099, 322),
    // Sul
    c("Curitiba", "PR", 41, 80000, 82999, 1773),
    c("Londrina", "PR", 43, 86000, 86124, 555),
    c("Maringá", "PR", 44, 87000, 87109, 409),
    c("Ponta Grossa", "PR", 42, 84000, 84129, 358),
    c("Cascavel", "PR", 45, 85800, 85824, 348),
    c("Joinville", "SC", 47, 89200, 89239, 616),
    c("Florianópolis", "SC", 48, 88000, 88099, 537),
    c("Blumenau", "SC", 47, 89000, 89079, 361),
    c("Porto Alegre", "RS", 51, 90000, 91999, 1332),
    c("Caxias do Sul", "RS", 54, 95000, 95149, 463),
    c("Canoas", "RS", 51, 92000, 92479, 347),
    c("Pelotas", "RS", 53, 96000, 96147, 325),
    // Centro-Oeste
    c("Brasília", "DF", 61, 70000, 72799, 2817),
    c("Goiânia", "GO", 62, 74000, 74899, 1437),
    c("Aparecida de Goiânia", "GO", 62, 74900, 74999, 527),
    c("Anápolis", "GO", 62, 75000, 75159, 398),
    c("Campo Grande", "MS", 67, 79000, 79129, 898),
    c("Dourados", "MS", 67, 79800, 79879, 243),
    c("Cuiabá", "MT", 65, 78000, 78109, 650),
    c("Várzea Grande", "MT", 65, 78110, 78169, 300),
    c("Rondonópolis", "MT", 66, 78700, 78759, 244),
    // Nordeste
    c("Salvador", "BA", 71, 40000, 42599, 2418),
    c("Feira de Santana", "BA", 75, 44000, 44149, 616),
    c("Vitória da Conquista", "BA", 77, 45000, 45119, 370),
    c("Camaçari", "BA", 71, 42800, 42849, 300),
    c("Fortaleza", "CE", 85, 60000, 61599, 2428),
    c("Caucaia", "CE", 85, 61600, 61699, 355),
    c("Juazeiro do Norte", "CE", 88, 63000, 63099, 286),
    c("Sobral", "CE", 88, 62000, 62114, 203),
    c("Recife", "PE", 81, 50000, 52999, 1488),
    c("Jaboatão dos Guararapes", "PE", 81, 54000, 54499, 644),
    c("Petrolina", "PE", 87, 56300, 56354, 386),
    c("Caruaru", "PE", 81, 55000, 55119, 378),
    c("Olinda", "PE", 81, 53000, 53399, 349),
    c("São Luís", "MA", 98, 65000, 65109, 1037),
    c("Imperatriz", "MA", 99, 65900, 65919, 273),
    c("Maceió", "AL", 82, 57000, 57099, 957),
    c("Arapiraca", "AL", 82, 57300, 57319, 234),
    c("Teresina", "PI", 86, 64000, 64099, 866),
    c("Parnaíba", "PI", 86, 64200, 64219, 162),
    c("João Pessoa", "PB", 83, 58000, 58099, 833),
    c("Campina Grande", "PB", 83, 58400, 58449, 419),
    c("Natal", "RN", 84, 59000, 59139, 751),
    c("Mossoró", "RN", 84, 59600, 59649, 264),
    c("Aracaju", "SE", 79, 49000, 49099, 602),
    c("Nossa Senhora do Socorro", "SE", 79, 49150, 49169, 192),
    // Norte
    c("Manaus", "AM", 92, 69000, 69099, 2063),
    c("Belém", "PA", 91, 66000, 66999, 1303),
    c("Ananindeua", "PA", 91, 67000, 67199, 478),
    c("Santarém", "PA", 93, 68000, 68128, 331),
    c("Porto Velho", "RO", 69, 76800, 76849, 460),
    c("Ji-Paraná", "RO", 69, 76900, 76915, 124),
    c("Macapá", "AP", 96, 68900, 68914, 442),
    c("Santana", "AP", 96, 68925, 68939, 107),
    c("Boa Vista", "RR", 95, 69300, 69339, 413),
    c("Rio Branco", "AC", 68, 69900, 69924, 364),
    c("Cruzeiro do Sul", "AC", 68, 69980, 69981, 91),
    c("Palmas", "TO", 63, 77000, 77299, 302),
    c("Araguaína", "TO", 63, 77800, 77839, 171),
];

/// Street types, weighted by how common they are in addresses.
const STREET_TYPES: &[(&str, u32)] = &[
    ("Rua", 70),
    ("Avenida", 18),
    ("Travessa", 4),
    ("Alameda", 3),
    ("Praça", 2),
    ("Estrada", 2),
    ("Rodovia", 1),
];

/// Street names typical of Brazilian cities (the part after the street type).
const STREET_NAMES: &[&str] = &[
    "das Acácias",
    "das Palmeiras",
    "dos Ipês",
    "das Flores",
    "das Orquídeas",
    "dos Girassóis",
    "das Hortênsias",
    "dos Jacarandás",
    "das Mangueiras",
    "dos Pinheiros",
    "Sete de Setembro",
    "Quinze de Novembro",
    "Primeiro de Maio",
    "Treze de Maio",
    "Vinte e Cinco de Março",
    "Barão do Rio Branco",
    "Marechal Deodoro",
    "Marechal Floriano Peixoto",
    "Tiradentes",
    "Santos Dumont",
    "Dom Pedro II",
    "Getúlio Vargas",
    "Duque de Caxias",
    "José Bonifácio",
    "Rui Barbosa",
    "Castro Alves",
    "Machado de Assis",
    "Padre Anchieta",
    "Princesa Isabel",
    "Presidente Juscelino Kubitschek",
    "Visconde de Mauá",
    "Benjamin Constant",
    "Almirante Barroso",
    "Joaquim Nabuco",
    "Oswaldo Cruz",
    "Carlos Gomes",
    "Monteiro Lobato",
    "Cecília Meireles",
    "Olavo Bilac",
    "Vinícius de Moraes",
    "Independência",
    "da Liberdade",
    "da República",
    "Brasil",
    "Amazonas",
    "Bahia",
    "Paraná",
    "Minas Gerais",
    "São João",
    "São Sebastião",
    "Santa Luzia",
    "Nossa Senhora Aparecida",
    "Dr. Arnaldo",
    "Coronel Fernandes",
    "João Pessoa",
    "Teodoro Sampaio",
    "Frei Caneca",
    "Augusta",
    "Bela Cintra",
    "Conselheiro Lafaiete",
];

/// Neighbourhood names common across Brazilian cities.
const NEIGHBOURHOODS: &[&str] = &[
    "Centro",
    "Jardim Paulista",
    "Vila Mariana",
    "Boa Vista",
    "Santa Cecília",
    "Jardim América",
    "Vila Nova",
    "São José",
    "Bela Vista",
    "Cidade Nova",
    "Jardim das Flores",
    "Parque São Jorge",
    "Vila Operária",
    "Jardim Europa",
    "Alto da Boa Vista",
    "Nova Esperança",
    "Santa Mônica",
    "Jardim Botânico",
    "Santa Teresa",
    "Liberdade",
    "Santo Amaro",
    "Vila Industrial",
    "Pinheiros",
    "Moema",
    "Tijuca",
    "Copacabana",
    "Savassi",
    "Boa Viagem",
    "Aldeota",
    "Meireles",
    "Batel",
    "Ponta Verde",
    "Pituba",
    "Barra",
    "Campo Grande",
    "Jardim Primavera",
    "Vila Esperança",
    "Parque das Nações",
    "Conjunto Habitacional",
    "Residencial dos Lagos",
    "Jardim Tropical",
    "Vila São Paulo",
    "Cidade Alta",
    "Cidade Jardim",
    "Planalto",
    "Alvorada",
    "Morada do Sol",
    "Santa Rosa",
    "São Francisco",
    "Ipiranga",
];

/// Picks a city with probability proportional to its population.
pub fn city(rng: &mut Rng) -> &'static City {
    pick_weighted(rng, CITIES, |c| c.weight)
}

/// A CEP of the city: 8 digits without hyphen, inside the city's range.
pub fn cep(rng: &mut Rng, city: &City) -> String {
    let low = city.cep_from * 1000 + 1;
    let high = city.cep_to * 1000 + 999;
    format!("{:08}", rng.random_range(low..=high))
}

/// Formats `(DD) <lead><middle digits>-<4 digits>` into a new String.
fn phone(rng: &mut Rng, ddd: u8, lead: &[char], middle_digits: usize) -> String {
    let mut s = String::with_capacity(16);
    let _ = write!(s, "({ddd}) ");
    s.extend(lead);
    push_digits(rng, &mut s, middle_digits);
    s.push('-');
    push_digits(rng, &mut s, 4);
    s
}

/// A random digit character in `range`.
fn digit_in(rng: &mut Rng, range: std::ops::RangeInclusive<u8>) -> char {
    char::from(b'0' + rng.random_range(range))
}

/// A mobile number of the city, e.g. "(11) 98765-4321": 9 digits, a
/// leading 9 followed by 6–9 as in most numbers in use.
pub fn mobile_phone(rng: &mut Rng, city: &City) -> String {
    let second = digit_in(rng, 6..=9);
    phone(rng, city.ddd, &['9', second], 3)
}

/// A landline number of the city, e.g. "(11) 3456-7890" (8 digits, starts with 2–5).
pub fn landline_phone(rng: &mut Rng, city: &City) -> String {
    let first = digit_in(rng, 2..=5);
    phone(rng, city.ddd, &[first], 3)
}

/// A street address like "Rua das Acácias, 1234 - Jardim Paulista",
/// sometimes with an apartment complement ("..., 250, Apto 42 - Centro").
pub fn street_address(rng: &mut Rng) -> String {
    let mut s = String::with_capacity(64);
    let _ = write!(
        s,
        "{} {}, {}",
        pick_pair(rng, STREET_TYPES),
        pick(rng, STREET_NAMES),
        rng.random_range(1..=3500u32)
    );
    if chance(rng, 0.3) {
        let _ = write!(
            s,
            ", Apto {}{:02}",
            rng.random_range(1..=25u32),
            rng.random_range(1..=8u32)
        );
    }
    let _ = write!(s, " - {}", pick(rng, NEIGHBOURHOODS));
    s
}

#[cfg(test)]
mod tests {
    use super::super::documents::UFS;
    use super::super::rng_from_seed;
    use super::*;
    use std::collections::{HashMap, HashSet};

    #[test]
    fn city_table_is_consistent() {
        assert!(CITIES.len() >= 60);
        let ufs: HashSet<_> = CITIES.iter().map(|c| c.uf).collect();
        assert_eq!(ufs.len(), 27, "every UF needs at least one city");
        let mut names = HashSet::new();
        for c in CITIES {
            assert!(UFS.contains(&c.uf), "{}", c.name);
            assert!((11..=99).contains(&c.ddd) && c.ddd % 10 != 0, "{}", c.name);
            assert!(c.cep_from <= c.cep_to && c.cep_to <= 99_999, "{}", c.name);
            assert!(c.weight > 0);
            assert!(names.insert((c.name, c.uf)), "duplicate {}", c.name);
        }
        assert!(CITIES.iter().any(|c| c.name == "São Paulo" && c.ddd == 11));
    }

    #[test]
    fn big_cities_dominate() {
        let mut rng = rng_from_seed(20, 0);
        let mut counts: HashMap<&str, u32> = HashMap::new();
        for _ in 0..20_000 {
            *counts.entry(city(&mut rng).name).or_default() += 1;
        }
        let sp = counts["São Paulo"];
        let rio = counts["Rio de Janeiro"];
        let top = counts.values().max().copied().unwrap();
        assert_eq!(top, sp);
        assert!(rio > counts["Brasília"] && rio > counts["Manaus"]);
        assert!((2_500..4_000).contains(&sp), "São Paulo share {sp}/20000");
    }

    #[test]
    fn ceps_fall_in_city_range() {
        let mut rng = rng_from_seed(21, 0);
        for c in CITIES {
            for _ in 0..50 {
                let code = cep(&mut rng, c);
                assert_eq!(code.len(), 8, "{code}");
                let prefix: u32 = code[..5].parse().unwrap();
                assert!(
                    (c.cep_from..=c.cep_to).contains(&prefix),
                    "{} {code}",
                    c.name
                );
            }
        }
    }

    fn assert_phone(p: &str, ddd: u8, digits: usize, first: std::ops::RangeInclusive<u8>) {
        let prefix = format!("({ddd}) ");
        let rest = p
            .strip_prefix(&prefix)
            .unwrap_or_else(|| panic!("{p} lacks {prefix}"));
        let (a, b) = rest.split_once('-').unwrap();
        assert_eq!(a.len() + b.len(), digits, "{p}");
        assert_eq!(b.len(), 4);
        assert!(
            a.bytes().chain(b.bytes()).all(|x| x.is_ascii_digit()),
            "{p}"
        );
        assert!(first.contains(&a.as_bytes()[0]), "{p}");
    }

    #[test]
    fn phones_carry_city_ddd() {
        let mut rng = rng_from_seed(22, 0);
        for c in CITIES {
            let mobile = mobile_phone(&mut rng, c);
            assert_phone(&mobile, c.ddd, 9, b'9'..=b'9');
            assert!((b'6'..=b'9').contains(&mobile.as_bytes()[6]), "{mobile}");
            assert_phone(&landline_phone(&mut rng, c), c.ddd, 8, b'2'..=b'5');
        }
    }

    #[test]
    fn addresses_look_brazilian() {
        let mut rng = rng_from_seed(23, 0);
        for _ in 0..1_000 {
            let a = street_address(&mut rng);
            let (street, bairro) = a.rsplit_once(" - ").expect(&a);
            assert!(NEIGHBOURHOODS.contains(&bairro), "{a}");
            assert!(
                STREET_TYPES.iter().any(|(t, _)| street.starts_with(t)),
                "{a}"
            );
            let number = street.split(", ").nth(1).expect(&a);
            assert!(
                number.parse::<u32>().is_ok_and(|n| (1..=3500).contains(&n)),
                "{a}"
            );
        }
    }
}
