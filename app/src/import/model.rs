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
    pub targets: Vec<Target>,
    /// ISO alpha-2 for phone numbers written without a country code in rows without a
    /// country (empty: such numbers are invalid).
    pub default_country: String,
    pub date_order: DateOrder,
}
