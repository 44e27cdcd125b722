//! What free text the app stores may hold: any letter of any script, but no character that
//! hides or reorders what a reader sees — control characters (NUL, escapes, line breaks in
//! one-line fields), the bidirectional embedding, override and isolate controls (a name
//! that shows as "Maria" but sorts and searches as something else), zero-width spaces,
//! byte-order marks and line/paragraph separators. Zero-width (non-)joiners stay: scripts
//! such as Persian and the Indic ones need them.

/// Is `ch` one of the characters free text may not hold?
pub fn is_forbidden(ch: char) -> bool {
    ch.is_control()
        || matches!(
            ch,
            '\u{200B}' | '\u{2028}' | '\u{2029}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}'
        )
}

/// Does `s` hold a forbidden character?
pub fn has_forbidden(s: &str) -> bool {
    s.chars().any(is_forbidden)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hiding_and_reordering_characters_are_refused_letters_are_not() {
        for bad in [
            "a\u{0}b",
            "a\nb",
            "\u{202E}evil",
            "a\u{2066}b",
            "a\u{200B}b",
            "\u{FEFF}x",
            "a\u{2028}b",
            "\u{1b}[31m",
        ] {
            assert!(has_forbidden(bad), "{bad:?}");
        }
        for good in [
            "Özlem",
            "Łukasz",
            "محمد",
            "שלום",
            "नमस्ते",
            "می\u{200C}خواهم",
            "👩\u{200D}💻",
            "O'Brien-Smith",
        ] {
            assert!(!has_forbidden(good), "{good:?}");
        }
    }
}
