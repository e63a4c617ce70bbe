//! User input echoed in a message, cut to a readable length: a 10 kB argument must not become a
//! 10 kB error. Pure: the value types' parsers (weights, schedules, skew) use it for their messages.

/// Characters of user input echoed in a message; longer input is cut and marked with "…".
pub const ECHO_CHARS: usize = 60;

/// `text` cut to [`ECHO_CHARS`] characters, with "…" when something was cut: user input echoed in
/// a message must not turn a 10 kB argument into a 10 kB error.
pub fn truncated(text: &str) -> String {
    match text.char_indices().nth(ECHO_CHARS) {
        None => text.to_string(),
        Some((cut, _)) => format!("{}…", &text[..cut]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_input_is_cut_at_sixty_characters() {
        assert_eq!(truncated("curto"), "curto");
        let exact = "a".repeat(ECHO_CHARS);
        assert_eq!(truncated(&exact), exact);
        let long = "ç".repeat(10_000);
        let cut = truncated(&long);
        assert_eq!(cut.chars().count(), ECHO_CHARS + 1);
        assert!(cut.ends_with('…'));
    }
}
