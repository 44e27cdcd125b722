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
    /// The suggested mapping: targets matched from the headers, the date order the file's
    /// dates show (day first when they do not tell).
    pub mapping: Mapping,
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
