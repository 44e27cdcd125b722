//! The Import wizard (the Customers page, Admin and Sales): choose a file → map its columns
//! → preview and check → import (progress, Cancel) → the result (counts, the rejected rows
//! to download, Undo import). The import itself runs on the server: closing the dialog or
//! reloading the page does not stop it, and the Imports page shows its progress.

use super::model::{
    Check, DateOrder, DuplicateMode, ImportState, ImportStatus, Mapping, PreviewRow, SavedMapping,
    Target, UndoReport, Upload,
};
use super::{
    cancel_import, check_import, check_mapping, delete_import_mapping, get_import_status,
    import_preview, import_sheet, save_import_mapping, start_import, undo_import, MAPPING_NAME_MAX,
    UPLOAD_PATH,
};
use crate::error::AppError;
use crate::fmt::{countries, group_thousands};
use crate::ui::widgets::Modal;
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::time::Duration;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Step {
    Upload,
    Map,
    Check,
    Running,
    Finished,
}

/// [`ImportWizard`], its code fetched when it is first opened (`ui::widgets::on_demand`).
#[lazy]
pub fn import_wizard(on_close: Callback<()>, on_imported: Callback<()>) -> AnyView {
    view! { <ImportWizard on_close on_imported/> }.into_any()
}

fn n(x: u64) -> String {
    group_thousands(x as i64)
}

/// "1 row", "12,345 rows".
fn rows(x: u64) -> String {
    format!("{} {}", n(x), if x == 1 { "row" } else { "rows" })
}

/// "12,345 imported, 67 updated, 89 skipped, 10 invalid" — or what became of the import.
pub fn result_sentence(s: &ImportStatus) -> String {
    match s.state {
        ImportState::Done | ImportState::Undone => format!(
            "{} imported, {} updated, {} skipped, {} invalid",
            n(s.created),
            n(s.updated),
            n(s.skipped),
            n(s.invalid)
        ),
        ImportState::Cancelled => "Cancelled: nothing of it was kept.".into(),
        ImportState::Failed => format!(
            "Failed: {} Nothing of it was kept.",
            s.error.clone().unwrap_or_default()
        ),
        ImportState::Running => format!("{} of {}", n(s.done), rows(s.total)),
        ImportState::Uploaded => "Not started".into(),
    }
}

/// "Portal invitations: 120 of 12,345 sent so far" — for an import that sends them.
pub fn invitations_sentence(s: &ImportStatus) -> Option<String> {
    (s.invite && s.state == ImportState::Done && s.created > 0).then(|| {
        let skipped = if s.invites_skipped > 0 {
            format!(
                " ({} not invited: deleted, Inactive or invited by hand since)",
                n(s.invites_skipped)
            )
        } else {
            String::new()
        };
        if s.invited + s.invites_skipped >= s.created {
            format!("Portal invitations: {} sent{skipped}.", n(s.invited))
        } else {
            format!(
                "Portal invitations: {} of {} sent so far (a few a minute).",
                n(s.invited),
                n(s.created)
            )
        }
    })
}

/// "1,200 of 5,000 rows · 3,400 rows/s · about 2 s left".
pub fn progress_sentence(s: &ImportStatus) -> String {
    let mut out = format!("{} of {}", n(s.done), rows(s.total));
    if s.rate >= 1.0 {
        out.push_str(&format!(" · {} rows/s", n(s.rate as u64)));
    }
    if let Some(left) = s.seconds_left {
        out.push_str(&format!(" · about {left} s left"));
    }
    out
}

#[component]
pub fn ImportWizard(on_close: Callback<()>, on_imported: Callback<()>) -> impl IntoView {
    let step = RwSignal::new(Step::Upload);
    let upload = RwSignal::new(None::<Upload>);
    let mapping = RwSignal::new(Mapping::default());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let preview = RwSignal::new(Vec::<PreviewRow>::new());
    let check = RwSignal::new(None::<Check>);
    let duplicates = RwSignal::new(DuplicateMode::Skip);
    let create_labels = RwSignal::new(true);
    let invite = RwSignal::new(false);
    let status = RwSignal::new(None::<ImportStatus>);
    let undone = RwSignal::new(None::<UndoReport>);
    let wrote = RwSignal::new(false);
    let batch = move || upload.with_untracked(|u| u.as_ref().map(|u| u.batch_id).unwrap_or(0));

    let fail = move |e: AppError| {
        busy.set(false);
        error.set(Some(match e {
            AppError::Validation(errors) => errors.values().cloned().collect::<Vec<_>>().join(" "),
            e => e.to_string(),
        }));
    };

    let choose_file = move |ev: leptos::ev::Event| {
        use wasm_bindgen::JsCast;
        let Some(input) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        else {
            return;
        };
        let Some(file) = input.files().and_then(|f| f.get(0)) else {
            return;
        };
        error.set(None);
        busy.set(true);
        spawn_local(async move {
            match send_file(file).await {
                Ok(u) => {
                    mapping.set(u.mapping.clone());
                    upload.set(Some(u));
                    busy.set(false);
                    step.set(Step::Map);
                }
                Err(e) => fail(e),
            }
        });
    };

    let change_sheet = move |sheet: String| {
        busy.set(true);
        spawn_local(async move {
            match import_sheet(batch(), sheet).await {
                Ok(u) => {
                    mapping.set(u.mapping.clone());
                    upload.set(Some(u));
                    busy.set(false);
                    error.set(None);
                }
                Err(e) => fail(e),
            }
        });
    };

    let to_check = move |_| {
        let m = mapping.get_untracked();
        let columns = upload.with_untracked(|u| u.as_ref().map_or(0, |u| u.headers.len()));
        if let Err(e) = check_mapping(&m, columns) {
            fail(e);
            return;
        }
        error.set(None);
        busy.set(true);
        check.set(None);
        spawn_local(async move {
            let rows = import_preview(batch(), m.clone()).await;
            let summary = check_import(batch(), m).await;
            match (rows, summary) {
                (Ok(rows), Ok(summary)) => {
                    preview.set(rows);
                    check.set(Some(summary));
                    busy.set(false);
                    step.set(Step::Check);
                }
                (Err(e), _) | (_, Err(e)) => fail(e),
            }
        });
    };

    // While it runs: its progress every half second (from any app instance).
    let poll = StoredValue::new(None::<IntervalHandle>);
    let stop_polling = move || {
        if let Some(h) = poll.get_value() {
            h.clear();
        }
        poll.set_value(None);
    };
    on_cleanup(stop_polling);
    let watch = move |id: i64| {
        let tick = move || {
            spawn_local(async move {
                if let Ok(s) = get_import_status(id).await {
                    let running = s.state == ImportState::Running;
                    status.set(Some(s));
                    if !running {
                        stop_polling();
                        wrote.set(true);
                        step.set(Step::Finished);
                    }
                }
            });
        };
        if let Ok(h) = set_interval_with_handle(tick, Duration::from_millis(500)) {
            poll.set_value(Some(h));
        }
    };

    let start = move |_| {
        let options = super::model::ImportOptions {
            mapping: mapping.get_untracked(),
            duplicates: duplicates.get_untracked(),
            create_labels: create_labels.get_untracked(),
            invite: invite.get_untracked(),
        };
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            match start_import(batch(), options).await {
                Ok(s) => {
                    status.set(Some(s));
                    busy.set(false);
                    step.set(Step::Running);
                    watch(batch());
                }
                Err(e) => fail(e),
            }
        });
    };

    let cancel = move |_| {
        spawn_local(async move {
            if let Err(e) = cancel_import(batch()).await {
                fail(e);
            }
        });
    };

    let undo = move |_| {
        busy.set(true);
        spawn_local(async move {
            match undo_import(batch()).await {
                Ok(report) => {
                    undone.set(Some(report));
                    busy.set(false);
                    if let Ok(s) = get_import_status(batch()).await {
                        status.set(Some(s));
                    }
                }
                Err(e) => fail(e),
            }
        });
    };

    let close = move || {
        if wrote.get_untracked() {
            on_imported.run(());
        }
        on_close.run(());
    };

    view! {
        <Modal title="Import customers" on_close=Callback::new(move |_| close())>
            <div class="import-wizard" data-testid="import-wizard">
                <ol class="steps" aria-label="Steps">
                    {[("1", "Choose a file", Step::Upload), ("2", "Map columns", Step::Map), ("3", "Check", Step::Check), ("4", "Import", Step::Running)]
                        .into_iter()
                        .map(|(num, label, s)| view! {
                            <li class:current=move || step.get() == s
                                || (s == Step::Running && step.get() == Step::Finished)>
                                <span class="step-num">{num}</span>{label}
                            </li>
                        })
                        .collect_view()}
                </ol>
                {move || match step.get() {
                    Step::Upload => view! {
                        <div class="field" class:has-error=move || error.with(Option::is_some)>
                            <label for="import-file">"File (.csv or .xlsx)"</label>
                            <input id="import-file" type="file" accept=".csv,.xlsx,.txt,text/csv"
                                disabled=move || busy.get() on:change=choose_file/>
                            <p class="field-hint">"Comma, semicolon or tab separated; UTF-8 or Windows-1252. The first row holds the column names."</p>
                            <p class="field-error" role="alert">{move || error.get()}</p>
                            {move || busy.get().then(|| view! { <p class="muted">"Uploading…"</p> })}
                        </div>
                    }.into_any(),
                    Step::Map => view! { <MapStep upload mapping error busy change_sheet=Callback::new(change_sheet)/> }
                        .into_any(),
                    Step::Check => view! { <CheckStep preview check duplicates create_labels invite/> }.into_any(),
                    Step::Running | Step::Finished => view! {
                        <div class="import-progress" aria-live="polite">
                            {move || status.get().map(|s| {
                                let running = s.state == ImportState::Running;
                                view! {
                                    <progress max=s.total.max(1) value=s.done></progress>
                                    <p data-testid="import-result">{if running { progress_sentence(&s) } else { result_sentence(&s) }}</p>
                                    {invitations_sentence(&s).map(|t| view! { <p class="muted small" data-testid="import-invitations">{t}</p> })}
                                    {running.then(|| view! {
                                        <p class="muted small">"You can close this window: the import goes on, and the Imports page shows it."</p>
                                    })}
                                }
                            })}
                            {move || undone.get().map(|r| view! {
                                <p role="status" data-testid="undo-result">
                                    {format!("Undone: {} removed (in the Trash), {} restored.", n(r.removed), n(r.restored))}
                                    {(!r.left_alone.is_empty()).then(|| format!(
                                        " Left as they are, edited since the import: {}.",
                                        r.left_alone.iter().map(|(id, name)| format!("{name} (#{id})")).collect::<Vec<_>>().join(", ")
                                    ))}
                                </p>
                            })}
                            <p class="field-error" role="alert">{move || error.get()}</p>
                        </div>
                    }.into_any(),
                }}
                <div class="modal-actions">
                    {move || match step.get() {
                        Step::Upload => view! {
                            <button type="button" class="btn" on:click=move |_| close()>"Cancel"</button>
                        }.into_any(),
                        Step::Map => view! {
                            <button type="button" class="btn" on:click=move |_| close()>"Cancel"</button>
                            <button type="button" class="btn btn-primary" disabled=move || busy.get() on:click=to_check>
                                {move || if busy.get() { "Checking every row…" } else { "Next: check" }}
                            </button>
                        }.into_any(),
                        Step::Check => {
                            let importable = check.with(|c| c.as_ref().map_or(0, |c| c.new + c.matching));
                            view! {
                                <button type="button" class="btn" on:click=move |_| step.set(Step::Map)>"Back"</button>
                                <button type="button" class="btn btn-primary" disabled=move || busy.get() || importable == 0 on:click=start>
                                    {format!("Import {}", rows(importable))}
                                </button>
                            }.into_any()
                        }
                        Step::Running => view! {
                            <button type="button" class="btn" on:click=move |_| close()>"Close"</button>
                            <button type="button" class="btn btn-danger" on:click=cancel>"Cancel import"</button>
                        }.into_any(),
                        Step::Finished => {
                            let s = status.get();
                            let rejected = s.as_ref().is_some_and(|s| s.invalid > 0);
                            let can_undo = s.as_ref().is_some_and(|s| s.state == ImportState::Done) && undone.with(Option::is_none);
                            view! {
                                {rejected.then(|| view! { <RejectedRows batch_id=batch()/> })}
                                {can_undo.then(|| view! {
                                    <button type="button" class="btn" disabled=move || busy.get() on:click=undo>"Undo import"</button>
                                })}
                                <button type="button" class="btn btn-primary" on:click=move |_| close()>"Close"</button>
                            }.into_any()
                        }
                    }}
                </div>
            </div>
        </Modal>
    }
}

/// Step 2: a field for every column of the file, the sheet, the default country for phone
/// numbers, and the order of day and month.
#[component]
fn MapStep(
    upload: RwSignal<Option<Upload>>,
    mapping: RwSignal<Mapping>,
    error: RwSignal<Option<String>>,
    busy: RwSignal<bool>,
    change_sheet: Callback<String>,
) -> impl IntoView {
    let headers =
        move || upload.with(|u| u.as_ref().map(|u| u.headers.clone()).unwrap_or_default());
    let sheets = move || upload.with(|u| u.as_ref().map(|u| u.sheets.clone()).unwrap_or_default());
    view! {
        <div class="import-map">
            {move || (sheets().len() > 1).then(|| view! {
                <label class="field">
                    "Sheet"
                    <select disabled=move || busy.get() on:change=move |ev| change_sheet.run(event_target_value(&ev))>
                        {sheets().into_iter().map(|s| {
                            let selected = mapping.with_untracked(|m| m.sheet == s);
                            view! { <option value=s.clone() selected=selected>{s.clone()}</option> }
                        }).collect_view()}
                    </select>
                </label>
            })}
            <SavedMappings upload mapping/>
            <p class="muted">"Choose the customer field each column holds. Columns matched by their names are filled in; Ignore leaves a column out."</p>
            <table class="table map-table">
                <thead><tr><th>"Column in the file"</th><th>"Customer field"</th></tr></thead>
                <tbody>
                    {move || headers().into_iter().enumerate().map(|(i, h)| {
                        let current = move || mapping.with(|m| m.targets.get(i).copied().unwrap_or(Target::Ignore));
                        view! {
                            <tr>
                                <td><label for=format!("map-{i}")>{if h.trim().is_empty() { format!("Column {}", i + 1) } else { h.clone() }}</label></td>
                                <td>
                                    <select id=format!("map-{i}") data-column=h.clone() prop:value=move || current().field() on:change=move |ev| {
                                        let v = event_target_value(&ev);
                                        let t = Target::ALL.into_iter().find(|t| t.field() == v || (v.is_empty() && *t == Target::Ignore)).unwrap_or(Target::Ignore);
                                        mapping.update(|m| if let Some(slot) = m.targets.get_mut(i) { *slot = t });
                                        error.set(None);
                                    }>
                                        {Target::ALL.into_iter().map(|t| view! {
                                            <option value=t.field() selected=move || t == current()>{t.label()}</option>
                                        }).collect_view()}
                                    </select>
                                </td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
            <div class="grid">
                <label class="field">
                    "Country of phone numbers without a country code"
                    <select on:change=move |ev| mapping.update(|m| m.default_country = event_target_value(&ev))>
                        <option value="" selected=move || mapping.with(|m| m.default_country.is_empty())>"None (numbers need +…)"</option>
                        {countries().into_iter().map(|(code, name)| view! {
                            <option value=code selected=move || mapping.with(|m| m.default_country == code)>{name}</option>
                        }).collect_view()}
                    </select>
                </label>
                <label class="field">
                    "Dates like 03/04/1990 are"
                    <select on:change=move |ev| mapping.update(|m| m.date_order = if event_target_value(&ev) == "month_first" { DateOrder::MonthFirst } else { DateOrder::DayFirst })>
                        <option value="day_first" selected=move || mapping.with(|m| m.date_order == DateOrder::DayFirst)>"day/month/year (3 April)"</option>
                        <option value="month_first" selected=move || mapping.with(|m| m.date_order == DateOrder::MonthFirst)>"month/day/year (4 March)"</option>
                    </select>
                </label>
            </div>
            <p class="field-error" role="alert" data-testid="mapping-error">{move || error.get()}</p>
        </div>
    }
}

/// The team's saved mappings: one made for these headers is already applied (and says so);
/// another can be applied by name; the current one can be saved under a name (the same name
/// replaces it) or a saved one deleted.
#[component]
fn SavedMappings(upload: RwSignal<Option<Upload>>, mapping: RwSignal<Mapping>) -> impl IntoView {
    let saved = move || upload.with(|u| u.as_ref().map(|u| u.saved.clone()).unwrap_or_default());
    let applied = move || upload.with(|u| u.as_ref().and_then(|u| u.applied));
    let name = RwSignal::new(String::new());
    let message = RwSignal::new(None::<(bool, String)>);
    let batch = move || upload.with_untracked(|u| u.as_ref().map_or(0, |u| u.batch_id));
    let set_saved = move |list: Vec<SavedMapping>, applied: Option<i64>| {
        upload.update(|u| {
            if let Some(u) = u {
                u.saved = list;
                u.applied = applied;
            }
        })
    };
    let apply = move |id: i64| {
        let Some(m) = saved().into_iter().find(|m| m.id == id) else {
            return;
        };
        upload.with_untracked(|u| {
            if let Some(u) = u {
                mapping.update(|cur| *cur = m.apply(&u.headers, cur));
            }
        });
        upload.update(|u| {
            if let Some(u) = u {
                u.applied = Some(id);
            }
        });
        name.set(m.name.clone());
        message.set(None);
    };
    let save = move |_| {
        let wanted = name.get_untracked();
        let current = mapping.get_untracked();
        spawn_local(async move {
            match save_import_mapping(batch(), wanted.clone(), current).await {
                Ok(list) => {
                    let id = list.first().map(|m| m.id);
                    let saved_name = list.first().map(|m| m.name.clone()).unwrap_or(wanted);
                    set_saved(list, id);
                    message.set(Some((false, format!("Saved as \u{201c}{saved_name}\u{201d}. A file with the same columns will use it."))));
                }
                Err(AppError::Validation(errors)) => message.set(Some((
                    true,
                    errors.values().cloned().collect::<Vec<_>>().join(" "),
                ))),
                Err(e) => message.set(Some((true, e.to_string()))),
            }
        });
    };
    let delete = move |_| {
        let Some(id) = applied() else { return };
        spawn_local(async move {
            match delete_import_mapping(id).await {
                Ok(list) => {
                    set_saved(list, None);
                    name.set(String::new());
                    message.set(Some((false, "Saved mapping deleted.".into())));
                }
                Err(e) => message.set(Some((true, e.to_string()))),
            }
        });
    };
    view! {
        <div class="import-saved">
            {move || (!saved().is_empty()).then(|| view! {
                <label class="field">
                    "Saved mapping"
                    <select prop:value=move || applied().map(|id| id.to_string()).unwrap_or_default() on:change=move |ev| {
                        if let Ok(id) = event_target_value(&ev).parse() { apply(id) }
                    }>
                        <option value="">"None"</option>
                        {saved().into_iter().map(|m| {
                            let id = m.id;
                            view! { <option value=id.to_string() selected=move || applied() == Some(id)>{m.name.clone()}</option> }
                        }).collect_view()}
                    </select>
                </label>
            })}
            {move || applied().and_then(|id| saved().into_iter().find(|m| m.id == id)).map(|m| view! {
                <p class="muted small" data-testid="saved-mapping-note">
                    {format!("Using the saved mapping \u{201c}{}\u{201d} (saved by {}).", m.name, m.updated_by)}
                    " "
                    <button type="button" class="btn-link" on:click=delete>"Delete it"</button>
                </p>
            })}
            <div class="import-save-row">
                <label class="field">
                    "Save this mapping as"
                    <input type="text" maxlength=MAPPING_NAME_MAX placeholder="e.g. Old CRM export" prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev))/>
                </label>
                <button type="button" class="btn" disabled=move || name.with(|n| n.trim().is_empty()) on:click=save>"Save mapping"</button>
            </div>
            {move || message.get().map(|(is_error, text)| view! {
                <p class=if is_error { "field-error" } else { "muted small" } role=if is_error { "alert" } else { "status" }>{text}</p>
            })}
        </div>
    }
}

/// Step 3: the first rows as they will be stored, the check's counts, the first problems,
/// what to do with customers that already exist, and the labels to create.
#[component]
fn CheckStep(
    preview: RwSignal<Vec<PreviewRow>>,
    check: RwSignal<Option<Check>>,
    duplicates: RwSignal<DuplicateMode>,
    create_labels: RwSignal<bool>,
    invite: RwSignal<bool>,
) -> impl IntoView {
    let columns = move || {
        preview.with(|rows| {
            rows.first()
                .map(|r| r.values.iter().map(|(l, _)| l.clone()).collect::<Vec<_>>())
                .unwrap_or_default()
        })
    };
    view! {
        <div class="import-check">
            {move || check.get().map(|c| view! {
                <p class="import-summary" data-testid="import-summary">
                    <strong>{format!("{}: ", rows(c.total))}</strong>
                    {format!("{} new, {} matching existing customers (same e-mail), {} that cannot be imported", n(c.new), n(c.matching), n(c.invalid))}
                    {(c.repeated_in_file > 0).then(|| format!(" ({} repeat an e-mail of an earlier row)", n(c.repeated_in_file)))}
                    "."
                </p>
                {(!c.problems.is_empty()).then(|| view! {
                    <details class="import-problems" open=true>
                        <summary>{format!("Rows that will not be imported ({})", n(c.invalid))}</summary>
                        <ul>
                            {c.problems.iter().map(|p| view! { <li>{format!("Row {}: {}", p.line, p.reason)}</li> }).collect_view()}
                        </ul>
                        <p class="muted small">"After the import, Download rejected rows gives all of them with their reasons, to fix and import again."</p>
                    </details>
                })}
                {(c.matching > 0).then(|| view! {
                    <fieldset class="import-duplicates">
                        <legend>{if c.matching == 1 { "The row whose e-mail a customer already has".to_string() } else { format!("The {} rows whose e-mail a customer already has", n(c.matching)) }}</legend>
                        {[(DuplicateMode::Skip, "Skip them (leave those customers as they are)"),
                          (DuplicateMode::FillEmpty, "Update the empty fields only"),
                          (DuplicateMode::Overwrite, "Overwrite with the file's values")]
                            .into_iter()
                            .map(|(mode, label)| view! {
                                <label class="check">
                                    <input type="radio" name="duplicates" prop:checked=move || duplicates.get() == mode
                                        on:change=move |_| duplicates.set(mode)/>
                                    {label}
                                </label>
                            })
                            .collect_view()}
                    </fieldset>
                })}
                {(!c.labels_to_create.is_empty()).then(|| view! {
                    <label class="check">
                        <input type="checkbox" prop:checked=move || create_labels.get()
                            on:change=move |_| create_labels.update(|b| *b = !*b)/>
                        {format!("Create the labels the file names that do not exist yet: {}", c.labels_to_create.join(", "))}
                    </label>
                })}
                {(c.new > 0).then(|| view! {
                    <label class="check">
                        <input type="checkbox" prop:checked=move || invite.get()
                            on:change=move |ev| invite.set(event_target_checked(&ev))/>
                        {format!("Send the {} new customers the portal invitation e-mail", n(c.new))}
                    </label>
                    <p class="muted small">"Invitations go out after the import, a few at a time (the server's rate, 60 a minute unless set otherwise), never all at once."</p>
                })}
            })}
            <h3 class="small">"The first rows, as they will be stored"</h3>
            <div class="table-wrap" role="region" aria-label="The first rows" tabindex="0">
                <table class="table preview-table">
                    <thead><tr>
                        <th>"Row"</th>
                        {move || columns().into_iter().map(|c| view! { <th>{c}</th> }).collect_view()}
                        <th>"Problems"</th>
                    </tr></thead>
                    <tbody>
                        {move || preview.get().into_iter().map(|r| {
                            let bad = !r.errors.is_empty();
                            view! {
                                <tr class:row-error=bad>
                                    <td class="num">{r.line}</td>
                                    {r.values.into_iter().map(|(_, v)| view! { <td>{v}</td> }).collect_view()}
                                    <td class="form-error">{r.errors.into_iter().map(|(_, m)| m).collect::<Vec<_>>().join(" ")}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </div>
    }
}

/// Sends the file as the request's body (streamed by the browser), its name in a header.
async fn send_file(file: web_sys::File) -> Result<Upload, AppError> {
    use wasm_bindgen::JsCast;
    use wasm_bindgen_futures::JsFuture;
    fn network<E>(_: E) -> AppError {
        AppError::Network
    }
    let init = web_sys::RequestInit::new();
    init.set_method("POST");
    init.set_body(&file);
    let headers = web_sys::Headers::new().map_err(network)?;
    headers
        .set("x-file-name", &urlencoding::encode(&file.name()))
        .map_err(network)?;
    init.set_headers(&headers);
    let request = web_sys::Request::new_with_str_and_init(UPLOAD_PATH, &init).map_err(network)?;
    let response: web_sys::Response = JsFuture::from(window().fetch_with_request(&request))
        .await
        .map_err(network)?
        .dyn_into()
        .map_err(network)?;
    let text = JsFuture::from(response.text().map_err(network)?)
        .await
        .map_err(network)?
        .as_string()
        .unwrap_or_default();
    if response.ok() {
        serde_json::from_str(&text).map_err(|_| AppError::Internal)
    } else {
        Err(serde_json::from_str::<AppError>(&text).unwrap_or(AppError::Internal))
    }
}

/// The links that download an import's refused rows with their reasons, as Excel or CSV
/// (the server names the file after the imported one).
#[component]
pub fn RejectedRows(batch_id: i64) -> impl IntoView {
    view! {
        <a class="btn" href=super::rejects_href(batch_id, "xlsx") download="" rel="nofollow">"Download rejected rows (Excel)"</a>
        <a class="btn" href=super::rejects_href(batch_id, "csv") download="" rel="nofollow">"Download rejected rows (CSV)"</a>
    }
}
