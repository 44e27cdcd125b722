//! Import types shared by the browser (the wizard) and the server.

use serde::{Deserialize, Serialize};

/// What a file's column becomes: a customer field, the labels, or nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Target {
    FirstName,
    MiddleName,
    LastName,
    Suffix,
    Email,
    Gender,
    Birthday,
    Phone,
    Street,
    City,
    State,
    Zip,
    Country,
    Status,
    ContactName,
    ContactEmail,
    ContactPhone,
    /// Label names, split on `|`, `,` or `;`.
    Labels,
    Ignore,
}

impl Target {
    /// Every target in the order the mapping step lists them.
    pub const ALL: [Target; 19] = [
        Target::FirstName,
        Target::MiddleName,
        Target::LastName,
        Target::Suffix,
        Target::Email,
        Target::Gender,
        Target::Birthday,
        Target::Phone,
        Target::Street,
        Target::City,
        Target::State,
        Target::Zip,
        Target::Country,
        Target::Status,
        Target::ContactName,
        Target::ContactEmail,
        Target::ContactPhone,
        Target::Labels,
        Target::Ignore,
    ];

    /// The field's name as the Add / Edit modal shows it.
    pub fn label(self) -> &'static str {
        match self {
            Target::FirstName => "First name",
            Target::MiddleName => "Middle name",
            Target::LastName => "Last name",
            Target::Suffix => "Suffix",
            Target::Email => "Email",
            Target::Gender => "Gender",
            Target::Birthday => "Birthday",
            Target::Phone => "Phone",
            Target::Street => "Street",
            Target::City => "City",
            Target::State => "State",
            Target::Zip => "Zip",
            Target::Country => "Country",
            Target::Status => "Status",
            Target::ContactName => "Contact name",
            Target::ContactEmail => "Contact email",
            Target::ContactPhone => "Contact number",
            Target::Labels => "Labels",
            Target::Ignore => "Ignore",
        }
    }

    /// The customer field's wire name (`first_name`, …), as in field errors.
    pub fn field(self) -> &'static str {
        match self {
            Target::FirstName => "first_name",
            Target::MiddleName => "middle_name",
            Target::LastName => "last_name",
            Target::Suffix => "suffix",
            Target::Email => "email",
            Target::Gender => "gender",
            Target::Birthday => "birthday",
            Target::Phone => "phone",
            Target::Street => "street",
            Target::City => "city",
            Target::State => "state",
            Target::Zip => "zip",
            Target::Country => "country",
            Target::Status => "status",
            Target::ContactName => "contact_name",
            Target::ContactEmail => "contact_email",
            Target::ContactPhone => "contact_phone",
            Target::Labels => "labels",
            Target::Ignore => "",
        }
    }
}

/// Which of `03/04/1990`'s numbers is the day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DateOrder {
    /// 03/04/1990 is 3 April (most of the world).
    #[default]
    DayFirst,
    /// 03/04/1990 is 4 March (the United States, the Philippines).
    MonthFirst,
}

/// What to do with a row whose e-mail belongs to an existing customer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DuplicateMode {
    /// Leave the existing customer as it is.
    #[default]
    Skip,
    /// Fill only the fields the existing customer has empty.
    FillEmpty,
    /// Replace the existing customer's fields with the file's (empty cells change nothing).
    Overwrite,
}

/// How a file's rows become customers: a target per column (in the file's order) and the
/// choices for values the file leaves open.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Mapping {
    /// The workbook's sheet to read (empty: the first; CSV files have none).
    pub sheet: String,
    pub targets: Vec<Target>,
    /// ISO alpha-2 for phone numbers written without a country code in rows without a
    /// country (empty: such numbers are invalid).
    pub default_country: String,
    pub date_order: DateOrder,
}

/// What the upload step answers: the file as the mapping step shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Upload {
    pub batch_id: i64,
    pub file_name: String,
    /// The workbook's sheets (empty for CSV).
    pub sheets: Vec<String>,
    pub headers: Vec<String>,
    /// The suggested mapping: a saved mapping made for these headers if there is one,
    /// else targets matched from the headers and the date order the file's dates show (day
    /// first when they do not tell).
    pub mapping: Mapping,
    /// The team's saved mappings, the latest first.
    #[serde(default)]
    pub saved: Vec<SavedMapping>,
    /// The saved mapping `mapping` comes from.
    #[serde(default)]
    pub applied: Option<i64>,
}

impl Upload {
    /// Use the latest saved mapping made for these headers, if any.
    pub fn with_saved(mut self, saved: Vec<SavedMapping>) -> Upload {
        if let Some(m) = saved.iter().find(|m| m.fits(&self.headers)) {
            self.mapping = m.apply(&self.headers, &self.mapping);
            self.applied = Some(m.id);
        }
        self.saved = saved;
        self
    }
}

/// A mapping saved under a name, to use again for files with the same headers. Columns are
/// matched by their header (ignoring case and surrounding spaces), not their position.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedMapping {
    pub id: i64,
    pub name: String,
    /// (header, target) for each column of the file it was saved from.
    pub columns: Vec<(String, Target)>,
    pub default_country: String,
    pub date_order: DateOrder,
    pub updated_by: String,
}

/// A header as saved mappings compare it.
fn header_key(h: &str) -> String {
    h.trim().to_lowercase()
}

impl SavedMapping {
    /// The saved targets for a file with `headers`, over `base` (the suggestion): a header
    /// the mapping knows gets its target; other columns keep the suggestion unless that
    /// would name a field twice.
    pub fn apply(&self, headers: &[String], base: &Mapping) -> Mapping {
        let saved: std::collections::HashMap<String, Target> = self
            .columns
            .iter()
            .map(|(h, t)| (header_key(h), *t))
            .collect();
        let known: Vec<Option<Target>> = headers
            .iter()
            .map(|h| saved.get(&header_key(h)).copied())
            .collect();
        let mut taken: std::collections::HashSet<Target> = known
            .iter()
            .flatten()
            .copied()
            .filter(|t| *t != Target::Ignore)
            .collect();
        let targets = known
            .iter()
            .enumerate()
            .map(|(i, k)| match k {
                Some(t) => *t,
                None => {
                    let t = base.targets.get(i).copied().unwrap_or(Target::Ignore);
                    if t == Target::Ignore || taken.insert(t) {
                        t
                    } else {
                        Target::Ignore
                    }
                }
            })
            .collect();
        Mapping {
            sheet: base.sheet.clone(),
            targets,
            default_country: self.default_country.clone(),
            date_order: self.date_order,
        }
    }

    /// Whether it was saved from a file with these very headers (in any order).
    pub fn fits(&self, headers: &[String]) -> bool {
        let mut a: Vec<String> = headers.iter().map(|h| header_key(h)).collect();
        let mut b: Vec<String> = self.columns.iter().map(|(h, _)| header_key(h)).collect();
        a.sort();
        b.sort();
        !a.is_empty() && a == b
    }
}

/// One row of the preview: the values as they will be stored, and what is wrong with them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreviewRow {
    /// The row's number in the file (1 is the header row).
    pub line: u64,
    /// (field label, value as stored) for each mapped column.
    pub values: Vec<(String, String)>,
    /// (field label, message); empty when the row can be imported.
    pub errors: Vec<(String, String)>,
}

/// A row that will not be imported, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    pub line: u64,
    pub reason: String,
}

/// The full validation pass before importing.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Check {
    /// Data rows in the file (empty rows not counted).
    pub total: u64,
    /// Valid rows whose e-mail no live customer has.
    pub new: u64,
    /// Valid rows whose e-mail a live customer has (what the duplicate choice applies to).
    pub matching: u64,
    /// Rows that cannot be imported (including repeats of an e-mail earlier in the file).
    pub invalid: u64,
    /// Of `invalid`: rows repeating an e-mail of an earlier row of the file.
    pub repeated_in_file: u64,
    /// Label names the file uses that do not exist yet.
    pub labels_to_create: Vec<String>,
    /// The first invalid rows with their reasons (all of them are in the report).
    pub problems: Vec<Problem>,
}

/// What the user chose in the wizard.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ImportOptions {
    pub mapping: Mapping,
    pub duplicates: DuplicateMode,
    /// Create the labels the file names that do not exist (else those names are skipped).
    pub create_labels: bool,
    /// Send the customers it creates the portal invitation — after the import, at the
    /// server's gentle rate (`IMPORT_INVITES_PER_MINUTE`), never as one burst.
    pub invite: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImportState {
    Uploaded,
    Running,
    Done,
    Cancelled,
    Failed,
    Undone,
}

impl ImportState {
    pub fn as_str(self) -> &'static str {
        match self {
            ImportState::Uploaded => "uploaded",
            ImportState::Running => "running",
            ImportState::Done => "done",
            ImportState::Cancelled => "cancelled",
            ImportState::Failed => "failed",
            ImportState::Undone => "undone",
        }
    }

    pub fn parse(s: &str) -> Option<ImportState> {
        [
            ImportState::Uploaded,
            ImportState::Running,
            ImportState::Done,
            ImportState::Cancelled,
            ImportState::Failed,
            ImportState::Undone,
        ]
        .into_iter()
        .find(|x| x.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            ImportState::Uploaded => "Not started",
            ImportState::Running => "Importing",
            ImportState::Done => "Imported",
            ImportState::Cancelled => "Cancelled",
            ImportState::Failed => "Failed",
            ImportState::Undone => "Undone",
        }
    }
}

/// An import as its progress bar, its result and the Imports page show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImportStatus {
    pub batch_id: i64,
    pub file_name: String,
    pub state: ImportState,
    pub created_by_name: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub finished_at: Option<chrono::DateTime<chrono::Utc>>,
    pub total: u64,
    pub done: u64,
    pub created: u64,
    pub updated: u64,
    pub skipped: u64,
    pub invalid: u64,
    /// Rows per second so far (while running).
    pub rate: f64,
    /// Estimated seconds left (while running).
    pub seconds_left: Option<u64>,
    /// Why it failed.
    pub error: Option<String>,
    /// Whether the customers it created get the portal invitation (paced, after it).
    #[serde(default)]
    pub invite: bool,
    /// Invitations sent so far.
    #[serde(default)]
    pub invited: u64,
    /// Customers it created that were not invited after all (deleted or set Inactive since,
    /// or invited by hand).
    #[serde(default)]
    pub invites_skipped: u64,
}

/// What "Undo import" did.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct UndoReport {
    /// Customers the import created, now deleted (in the Trash).
    pub removed: u64,
    /// Customers the import changed, now back to their earlier values.
    pub restored: u64,
    /// Customers edited since the import, left as they are: (id, name).
    pub left_alone: Vec<(i64, String)>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn saved() -> SavedMapping {
        SavedMapping {
            id: 7,
            name: "Old CRM".into(),
            columns: vec![
                ("Given".into(), Target::FirstName),
                ("Family".into(), Target::LastName),
                ("Mail".into(), Target::Email),
                ("Notes".into(), Target::Ignore),
            ],
            default_country: "PH".into(),
            date_order: DateOrder::MonthFirst,
            updated_by: "Admin".into(),
        }
    }

    fn headers(h: &[&str]) -> Vec<String> {
        h.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_saved_mapping_follows_the_headers_not_their_places() {
        let file = headers(&["mail", " FAMILY ", "Notes", "Given"]);
        let base = Mapping {
            sheet: "Sheet1".into(),
            targets: vec![Target::Email, Target::Ignore, Target::City, Target::Ignore],
            ..Mapping::default()
        };
        let m = saved().apply(&file, &base);
        assert_eq!(
            m.targets,
            [
                Target::Email,
                Target::LastName,
                Target::Ignore,
                Target::FirstName
            ]
        );
        assert_eq!(m.sheet, "Sheet1");
        assert_eq!(m.default_country, "PH");
        assert_eq!(m.date_order, DateOrder::MonthFirst);
        assert!(saved().fits(&file));
    }

    #[test]
    fn columns_it_does_not_know_keep_the_suggestion_unless_it_repeats_a_field() {
        let file = headers(&["Given", "Family", "E-mail", "City", "Mail"]);
        let base = Mapping {
            targets: vec![
                Target::FirstName,
                Target::LastName,
                Target::Email,
                Target::City,
                Target::Ignore,
            ],
            ..Mapping::default()
        };
        let m = saved().apply(&file, &base);
        // "E-mail" was suggested as Email, which the saved "Mail" column already is.
        assert_eq!(
            m.targets,
            [
                Target::FirstName,
                Target::LastName,
                Target::Ignore,
                Target::City,
                Target::Email
            ]
        );
        assert!(!saved().fits(&file), "another file's headers");
    }

    #[test]
    fn an_upload_uses_the_latest_saved_mapping_that_fits() {
        let mut other = saved();
        other.id = 8;
        other.columns.pop();
        let upload = Upload {
            batch_id: 1,
            file_name: "x.csv".into(),
            sheets: vec![],
            headers: headers(&["Given", "Family", "Mail", "Notes"]),
            mapping: Mapping::default(),
            saved: vec![],
            applied: None,
        };
        let u = upload.clone().with_saved(vec![other.clone(), saved()]);
        assert_eq!(u.applied, Some(7));
        assert_eq!(u.mapping.targets[0], Target::FirstName);
        assert_eq!(u.saved.len(), 2);
        let u = upload.with_saved(vec![other]);
        assert_eq!(u.applied, None);
        assert_eq!(u.mapping, Mapping::default());
    }
}
