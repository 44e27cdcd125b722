//! Labels: coloured tags on customers. The shared types and rules (name, colour, readable
//! text colour), the server functions, storage (`ssr`) and the widgets: chips, the picker
//! of the Add / Edit modal, the list's filter and the Manage labels dialog (`ui`).

#[cfg(feature = "ssr")]
pub mod ssr;
pub mod ui;

use crate::error::{AppError, FieldErrors};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};

pub const NAME_MAX_CHARS: usize = 40;

/// The colours offered in the dialog (any `#rrggbb` is accepted).
pub const PALETTE: [&str; 12] = [
    "#e53935", "#fb8c00", "#fdd835", "#7cb342", "#2e7d32", "#00897b", "#039be5", "#1e40af",
    "#5e35b1", "#d81b60", "#6d4c41", "#546e7a",
];

/// A label with how many live customers carry it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct Label {
    pub label_id: i64,
    pub name: String,
    pub color: String,
    pub used: i64,
}

/// A label as it appears on a customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LabelRef {
    pub id: i64,
    pub name: String,
    pub color: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct LabelInput {
    pub name: String,
    pub color: String,
}

/// The key names are unique by: trimmed and lower-cased (Unicode-aware).
pub fn name_key(name: &str) -> String {
    name.trim().to_lowercase()
}

/// `#rrggbb` → (r, g, b).
pub fn parse_hex(color: &str) -> Option<(u8, u8, u8)> {
    let hex = color.strip_prefix('#')?;
    if hex.len() != 6 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    let byte = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).ok();
    Some((byte(0)?, byte(2)?, byte(4)?))
}

/// WCAG 2 relative luminance of an sRGB colour.
pub fn luminance((r, g, b): (u8, u8, u8)) -> f64 {
    let channel = |c: u8| {
        let c = f64::from(c) / 255.0;
        if c <= 0.04045 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)
}

/// WCAG contrast ratio between two luminances (1 … 21).
pub fn contrast(a: f64, b: f64) -> f64 {
    let (hi, lo) = if a > b { (a, b) } else { (b, a) };
    (hi + 0.05) / (lo + 0.05)
}

/// The text colour (black or white) with the higher contrast on `background`; either way
/// at least 4.5 : 1, whatever the background.
pub fn text_color(background: &str) -> &'static str {
    let l = parse_hex(background).map(luminance).unwrap_or(1.0);
    if contrast(l, 0.0) >= contrast(l, 1.0) {
        "#000000"
    } else {
        "#ffffff"
    }
}

/// Trim and check a label; the name and colour to store, or messages per field.
pub fn validate_label(input: &LabelInput) -> Result<(String, String), FieldErrors> {
    let mut errors = FieldErrors::new();
    let name = input.name.trim().to_string();
    let chars = name.chars().count();
    if chars == 0 {
        errors.insert("name".into(), "Enter a label name.".into());
    } else if chars > NAME_MAX_CHARS {
        errors.insert(
            "name".into(),
            format!("Use at most {NAME_MAX_CHARS} characters (this has {chars})."),
        );
    } else if crate::text::has_forbidden(&name) {
        errors.insert(
            "name".into(),
            "Label names cannot contain control or invisible characters.".into(),
        );
    }
    let color = input.color.trim().to_lowercase();
    if parse_hex(&color).is_none() {
        errors.insert(
            "color".into(),
            "Pick a colour (#rrggbb, e.g. #1e40af).".into(),
        );
    }
    if errors.is_empty() {
        Ok((name, color))
    } else {
        Err(errors)
    }
}

#[cfg(feature = "ssr")]
use crate::state::pool;

/// Every label, by name, with its usage count.
#[server(endpoint = "list_labels", input = Json)]
pub async fn list_labels() -> Result<Vec<Label>, AppError> {
    use crate::auth::ssr::staff_guard;
    staff_guard::<ListLabels>()?;
    Ok(ssr::list(&pool()?).await?)
}

#[server(endpoint = "create_label", input = Json)]
pub async fn create_label(input: LabelInput) -> Result<Label, AppError> {
    use crate::auth::ssr::staff_guard;
    let me = staff_guard::<CreateLabel>()?;
    let (name, color) = validate_label(&input).map_err(AppError::Validation)?;
    ssr::create(&pool()?, &me, &name, &color).await
}

/// Rename and/or recolour.
#[server(endpoint = "update_label", input = Json)]
pub async fn update_label(id: i64, input: LabelInput) -> Result<Label, AppError> {
    use crate::auth::ssr::staff_guard;
    let me = staff_guard::<UpdateLabel>()?;
    let (name, color) = validate_label(&input).map_err(AppError::Validation)?;
    ssr::update(&pool()?, &me, id, &name, &color).await
}

/// Delete a label; every customer carrying it loses it. Returns how many did.
#[server(endpoint = "delete_label", input = Json)]
pub async fn delete_label(id: i64) -> Result<i64, AppError> {
    use crate::auth::ssr::staff_guard;
    let me = staff_guard::<DeleteLabel>()?;
    ssr::delete(&pool()?, &me, id).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_bounded_and_keyed_without_case() {
        let ok = validate_label(&LabelInput {
            name: "  VIP ".into(),
            color: "#1E40AF".into(),
        })
        .unwrap();
        assert_eq!(ok, ("VIP".to_string(), "#1e40af".to_string()));
        assert_eq!(name_key(" Ärger "), name_key("ärger"));
        for bad in ["", "   ", &"x".repeat(41), "a\u{7}b"] {
            let e = validate_label(&LabelInput {
                name: bad.into(),
                color: "#000000".into(),
            })
            .unwrap_err();
            assert!(e.contains_key("name"), "{bad:?}");
        }
        assert!(validate_label(&LabelInput {
            name: "é".repeat(40),
            color: "#000000".into()
        })
        .is_ok());
        for bad in ["", "red", "#12345", "#1234567", "#gggggg", "123456"] {
            let e = validate_label(&LabelInput {
                name: "x".into(),
                color: bad.into(),
            })
            .unwrap_err();
            assert!(e.contains_key("color"), "{bad:?}");
        }
    }

    #[test]
    fn chip_text_is_readable_on_every_colour() {
        // Every colour on a coarse grid (and the palette): the chosen text colour reaches
        // WCAG AA for normal text.
        let mut colours: Vec<String> = PALETTE.iter().map(|s| s.to_string()).collect();
        for r in (0..=255).step_by(15) {
            for g in (0..=255).step_by(15) {
                for b in (0..=255).step_by(15) {
                    colours.push(format!("#{r:02x}{g:02x}{b:02x}"));
                }
            }
        }
        for c in colours {
            let bg = luminance(parse_hex(&c).unwrap());
            let fg = luminance(parse_hex(text_color(&c)).unwrap());
            assert!(contrast(bg, fg) >= 4.5, "{c}");
        }
        assert_eq!(text_color("#fdd835"), "#000000");
        assert_eq!(text_color("#1e40af"), "#ffffff");
    }

    #[test]
    fn luminance_matches_wcag_reference_values() {
        assert!((luminance((255, 255, 255)) - 1.0).abs() < 1e-9);
        assert!(luminance((0, 0, 0)).abs() < 1e-9);
        assert!((contrast(1.0, 0.0) - 21.0).abs() < 1e-9);
    }
}
