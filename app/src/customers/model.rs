//! Customer types shared by the browser and the server.

use crate::labels::LabelRef;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::Type))]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "ssr", sqlx(type_name = "text", rename_all = "lowercase"))]
pub enum Gender {
    Female,
    Male,
    Other,
    #[default]
    Unspecified,
}

impl Gender {
    pub const ALL: [Gender; 4] = [
        Gender::Unspecified,
        Gender::Female,
        Gender::Male,
        Gender::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Gender::Female => "female",
            Gender::Male => "male",
            Gender::Other => "other",
            Gender::Unspecified => "unspecified",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Gender::Female => "Female",
            Gender::Male => "Male",
            Gender::Other => "Other",
            Gender::Unspecified => "Prefer not to say",
        }
    }

    pub fn parse(s: &str) -> Option<Gender> {
        Gender::ALL.into_iter().find(|g| g.as_str() == s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::Type))]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "ssr", sqlx(type_name = "text", rename_all = "lowercase"))]
pub enum Status {
    #[default]
    Active,
    Inactive,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Active => "active",
            Status::Inactive => "inactive",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Status::Active => "Active",
            Status::Inactive => "Inactive",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        [Status::Active, Status::Inactive]
            .into_iter()
            .find(|x| x.as_str() == s)
    }
}

/// What the Add / Edit customer modal sends: every field as typed.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct CustomerInput {
    pub first_name: String,
    pub middle_name: String,
    pub last_name: String,
    pub suffix: String,
    pub email: String,
    pub gender: Gender,
    /// `YYYY-MM-DD` (what `<input type="date">` gives) or empty.
    pub birthday: String,
    pub phone: String,
    pub street: String,
    pub city: String,
    pub state: String,
    pub zip: String,
    /// ISO 3166-1 alpha-2, or empty.
    pub country: String,
    pub status: Status,
    pub contact_name: String,
    pub contact_email: String,
    pub contact_phone: String,
    /// Label ids.
    pub labels: Vec<i64>,
}

/// A customer as staff see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct Customer {
    /// The "User ID" shown to staff: stable for the customer's lifetime.
    pub customer_id: i64,
    pub first_name: String,
    pub middle_name: String,
    pub last_name: String,
    pub suffix: String,
    pub email: String,
    pub gender: Gender,
    pub birthday: Option<NaiveDate>,
    pub phone: String,
    pub phone_e164: String,
    pub street: String,
    pub city: String,
    pub state: String,
    pub zip: String,
    pub country: String,
    pub status: Status,
    pub contact_name: String,
    pub contact_email: String,
    pub contact_phone: String,
    pub created_at: DateTime<Utc>,
    pub created_by_name: Option<String>,
    pub updated_at: DateTime<Utc>,
    pub updated_by_name: Option<String>,
    pub version: i64,
    pub deleted_at: Option<DateTime<Utc>>,
    pub deleted_by_name: Option<String>,
    /// In display order (by name).
    #[cfg_attr(feature = "ssr", sqlx(json))]
    pub labels: Vec<LabelRef>,
    /// Where the customer's portal login stands (the actions menu offers what fits).
    pub portal_state: crate::auth::PortalState,
    /// The customer has verified their e-mail address (accepted an invitation).
    pub portal_verified: bool,
    /// The portal's last sign-in or activity.
    pub last_access_at: Option<DateTime<Utc>>,
}

impl Customer {
    pub fn full_name(&self) -> String {
        [
            self.first_name.as_str(),
            self.middle_name.as_str(),
            self.last_name.as_str(),
            self.suffix.as_str(),
        ]
        .iter()
        .filter(|s| !s.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join(" ")
    }

    /// The form's starting values when editing this customer.
    pub fn to_input(&self) -> CustomerInput {
        CustomerInput {
            first_name: self.first_name.clone(),
            middle_name: self.middle_name.clone(),
            last_name: self.last_name.clone(),
            suffix: self.suffix.clone(),
            email: self.email.clone(),
            gender: self.gender,
            birthday: self.birthday.map(|d| d.to_string()).unwrap_or_default(),
            phone: self.phone.clone(),
            street: self.street.clone(),
            city: self.city.clone(),
            state: self.state.clone(),
            zip: self.zip.clone(),
            country: self.country.clone(),
            status: self.status,
            contact_name: self.contact_name.clone(),
            contact_email: self.contact_email.clone(),
            contact_phone: self.contact_phone.clone(),
            labels: self.labels.iter().map(|l| l.id).collect(),
        }
    }
}

/// The fields a merge picks one side of, in form order (the labels are always united).
pub const MERGE_FIELDS: [&str; 17] = [
    "first_name",
    "middle_name",
    "last_name",
    "suffix",
    "email",
    "gender",
    "birthday",
    "phone",
    "street",
    "city",
    "state",
    "zip",
    "country",
    "status",
    "contact_name",
    "contact_email",
    "contact_phone",
];
