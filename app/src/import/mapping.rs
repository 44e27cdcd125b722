//! Which customer field a file's column holds, from its header: matched by name and common
//! synonyms (English and the usual other spellings from other CRMs' exports), ignoring case,
//! accents, spaces and punctuation. The user corrects the rest in the mapping step.

use super::model::Target;

/// Headers (normalised: see [`normalize`]) that name each target.
const SYNONYMS: &[(Target, &[&str])] = &[
    (
        Target::FirstName,
        &[
            "firstname",
            "first",
            "givenname",
            "forename",
            "fname",
            "prenom",
            "vorname",
            "nombre",
        ],
    ),
    (
        Target::MiddleName,
        &["middlename", "middle", "middleinitial", "mi", "secondname"],
    ),
    (
        Target::LastName,
        &[
            "lastname",
            "last",
            "surname",
            "familyname",
            "lname",
            "nom",
            "nachname",
            "apellido",
            "apellidos",
        ],
    ),
    (Target::Suffix, &["suffix", "namesuffix", "generation"]),
    (
        Target::Email,
        &[
            "email",
            "mail",
            "emailaddress",
            "mailaddress",
            "emailadresse",
            "courriel",
            "correo",
            "correoelectronico",
        ],
    ),
    (
        Target::Gender,
        &["gender", "sex", "genre", "geschlecht", "genero", "sexo"],
    ),
    (
        Target::Birthday,
        &[
            "birthday",
            "birthdate",
            "dateofbirth",
            "dob",
            "born",
            "bday",
            "geburtsdatum",
            "datedenaissance",
            "fechadenacimiento",
        ],
    ),
    (
        Target::Phone,
        &[
            "phone",
            "phonenumber",
            "mobile",
            "mobilephone",
            "mobilenumber",
            "cell",
            "cellphone",
            "cellnumber",
            "telephone",
            "tel",
            "telefon",
            "telefono",
            "handy",
            "portable",
        ],
    ),
    (
        Target::Street,
        &[
            "street",
            "streetaddress",
            "address",
            "address1",
            "addressline1",
            "addr",
            "strasse",
            "rue",
            "calle",
        ],
    ),
    (
        Target::City,
        &[
            "city", "town", "locality", "ville", "stadt", "ort", "ciudad",
        ],
    ),
    (
        Target::State,
        &[
            "state",
            "province",
            "region",
            "county",
            "stateprovince",
            "stateorprovince",
            "bundesland",
            "provincia",
        ],
    ),
    (
        Target::Zip,
        &[
            "zip",
            "zipcode",
            "postcode",
            "postalcode",
            "postal",
            "plz",
            "cp",
            "codepostal",
            "codigopostal",
        ],
    ),
    (
        Target::Country,
        &[
            "country",
            "countrycode",
            "countryname",
            "nation",
            "pays",
            "land",
            "pais",
        ],
    ),
    (
        Target::Status,
        &["status", "customerstatus", "accountstatus", "estado"],
    ),
    (
        Target::ContactName,
        &[
            "contactname",
            "contactperson",
            "contactpersonname",
            "contact",
            "emergencycontact",
        ],
    ),
    (
        Target::ContactEmail,
        &["contactemail", "contactmail", "contactemailaddress"],
    ),
    (
        Target::ContactPhone,
        &[
            "contactphone",
            "contactnumber",
            "contactphonenumber",
            "contactmobile",
            "contacttel",
        ],
    ),
    (
        Target::Labels,
        &[
            "labels",
            "label",
            "tags",
            "tag",
            "groups",
            "group",
            "categories",
            "category",
            "segments",
        ],
    ),
];

/// A header reduced to what identifies it: ASCII letters and digits, lowercase
/// (`"E-Mail Adresse"` → `"emailadresse"`, `"Prénom"` → `"prenom"`).
pub fn normalize(header: &str) -> String {
    deunicode::deunicode(header)
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

fn lookup(key: &str) -> Option<Target> {
    SYNONYMS
        .iter()
        .find(|(_, names)| names.contains(&key))
        .map(|(t, _)| *t)
}

/// The target one header names, if any: a synonym, or one after a `customer` / `client`
/// prefix ("Customer E-mail").
pub fn match_header(header: &str) -> Option<Target> {
    let key = normalize(header);
    lookup(&key).or_else(|| {
        ["customer", "client", "primary"]
            .iter()
            .find_map(|p| key.strip_prefix(p).filter(|rest| !rest.is_empty()))
            .and_then(lookup)
    })
}

/// A target for every column: the first column that names a field gets it, later ones
/// naming the same field and unknown headers are ignored (the user maps them by hand).
pub fn suggest(headers: &[String]) -> Vec<Target> {
    let mut taken = std::collections::HashSet::new();
    headers
        .iter()
        .map(|h| match match_header(h) {
            Some(t) if taken.insert(t) => t,
            _ => Target::Ignore,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_match_ignoring_case_accents_spaces_and_punctuation() {
        for (header, target) in [
            ("E-mail", Target::Email),
            ("EMAIL ADDRESS", Target::Email),
            ("Mail", Target::Email),
            ("Surname", Target::LastName),
            ("Last Name", Target::LastName),
            ("last_name", Target::LastName),
            ("Prénom", Target::FirstName),
            ("Mobile", Target::Phone),
            ("Phone number", Target::Phone),
            ("Country code", Target::Country),
            ("Birth date", Target::Birthday),
            ("Date of birth", Target::Birthday),
            ("DOB", Target::Birthday),
            ("Postal Code", Target::Zip),
            ("ZIP", Target::Zip),
            ("Contact Number", Target::ContactPhone),
            ("Contact e-mail", Target::ContactEmail),
            ("Contact person", Target::ContactName),
            ("Customer E-Mail", Target::Email),
            ("Tags", Target::Labels),
            ("Geschlecht", Target::Gender),
            (" Straße ", Target::Street),
        ] {
            assert_eq!(match_header(header), Some(target), "{header}");
        }
        for header in ["id", "created_at", "Notes", "", "Name"] {
            assert_eq!(match_header(header), None, "{header}");
        }
    }

    #[test]
    fn each_field_is_suggested_once() {
        let headers: Vec<String> = ["Email", "First name", "E-mail", "whatever", "Surname"]
            .map(String::from)
            .to_vec();
        assert_eq!(
            suggest(&headers),
            vec![
                Target::Email,
                Target::FirstName,
                Target::Ignore,
                Target::Ignore,
                Target::LastName
            ]
        );
    }

    #[test]
    fn every_target_but_ignore_has_its_own_name_as_a_synonym() {
        for t in Target::ALL {
            if t != Target::Ignore {
                assert_eq!(match_header(t.label()), Some(t), "{t:?}");
            }
        }
    }
}
