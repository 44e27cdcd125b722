//! Label widgets: chips, the picker of the Add / Edit modal, the list's Labels filter and the
//! Manage labels dialog.

use super::{
    create_label, delete_label, list_labels, text_color, update_label, Label, LabelInput, LabelRef,
    PALETTE,
};
use crate::error::{AppError, FieldErrors};
use crate::ui::widgets::{FilterMenu, Modal};
use leptos::prelude::*;
use leptos::task::spawn_local;

fn chip_style(color: &str) -> String {
    format!("background:{color};color:{}", text_color(color))
}

/// One coloured label.
#[component]
pub fn LabelChip(#[prop(into)] name: String, #[prop(into)] color: String) -> impl IntoView {
    view! { <span class="label-chip" style=chip_style(&color)>{name}</span> }
}

/// A customer's labels as chips.
#[component]
pub fn LabelChips(labels: Vec<LabelRef>) -> impl IntoView {
    view! {
        <span class="label-chips">
            {labels.into_iter().map(|l| view! { <LabelChip name=l.name color=l.color/> }).collect_view()}
        </span>
    }
}

/// The labels multi-select of the Add / Edit modal: the chosen ones as removable chips, then
/// the rest, narrowed by typing.
#[component]
pub fn LabelPicker(
    all: RwSignal<Vec<Label>>,
    selected: Signal<Vec<i64>>,
    on_change: Callback<Vec<i64>>,
    #[prop(into)] error: Signal<Option<String>>,
) -> impl IntoView {
    let filter = RwSignal::new(String::new());
    let toggle = move |id: i64| {
        let mut now = selected.get_untracked();
        if let Some(i) = now.iter().position(|x| *x == id) {
            now.remove(i);
        } else {
            now.push(id);
        }
        on_change.run(now);
    };
    let chosen = move || {
        let sel = selected.get();
        all.with(|ls| {
            ls.iter()
                .filter(|l| sel.contains(&l.label_id))
                .cloned()
                .collect::<Vec<_>>()
        })
    };
    let options = move || {
        let f = filter.get().trim().to_lowercase();
        all.with(|ls| {
            ls.iter()
                .filter(|l| f.is_empty() || l.name.to_lowercase().contains(&f))
                .cloned()
                .collect::<Vec<_>>()
        })
    };
    view! {
        <div class="field label-picker" class:has-error=move || error.get().is_some() data-field="labels">
            <span class="field-label" id="cf-labels-label">"Labels"</span>
            <div class="label-chips chosen" aria-live="polite">
                {move || chosen().into_iter().map(|l| {
                    let id = l.label_id;
                    view! {
                        <span class="label-chip removable" style=chip_style(&l.color)>
                            {l.name.clone()}
                            <button type="button" class="chip-x" aria-label=format!("Remove label {}", l.name)
                                on:click=move |_| toggle(id)>"×"</button>
                        </span>
                    }
                }).collect_view()}
            </div>
            <input
                type="search"
                class="label-filter-input"
                placeholder="Type to filter labels"
                aria-label="Filter labels"
                prop:value=move || filter.get()
                on:input=move |ev| filter.set(event_target_value(&ev))
            />
            <div class="label-options" role="group" aria-labelledby="cf-labels-label">
                {move || {
                    let opts = options();
                    if opts.is_empty() {
                        return view! { <p class="muted small">{if all.with(|a| a.is_empty()) { "No labels yet — create them with Manage labels." } else { "No label matches." }}</p> }.into_any();
                    }
                    opts.into_iter().map(|l| {
                        let id = l.label_id;
                        view! {
                            <label class="check">
                                <input type="checkbox" prop:checked=move || selected.with(|s| s.contains(&id))
                                    on:change=move |_| toggle(id)/>
                                <LabelChip name=l.name.clone() color=l.color.clone()/>
                            </label>
                        }
                    }).collect_view().into_any()
                }}
            </div>
            <p class="field-error" role="alert">{move || error.get()}</p>
        </div>
    }
}

/// The list's Labels filter: several labels, matching any or all of them.
#[component]
pub fn LabelFilter(
    labels: Vec<Label>,
    #[prop(into)] selected: Signal<Vec<i64>>,
    #[prop(into)] all: Signal<bool>,
    on_change: Callback<(Vec<i64>, bool)>,
) -> impl IntoView {
    let open = RwSignal::new(false);
    let labels = StoredValue::new(labels);
    let summary = Signal::derive(move || {
        let sel = selected.get();
        let names: Vec<String> = labels.with_value(|ls| {
            ls.iter()
                .filter(|l| sel.contains(&l.label_id))
                .map(|l| l.name.clone())
                .collect()
        });
        match names.len() {
            0 => "All labels".to_string(),
            1 => names[0].clone(),
            n => format!("{n} labels ({})", if all.get() { "all" } else { "any" }),
        }
    });
    let toggle = move |id: i64| {
        let mut s = selected.get_untracked();
        if let Some(i) = s.iter().position(|x| *x == id) {
            s.remove(i);
        } else {
            s.push(id);
        }
        on_change.run((s, all.get_untracked()));
    };
    view! {
        <FilterMenu summary label="Labels filter" class="label-filter-popover" open>
                    {if labels.with_value(|ls| ls.is_empty()) {
                        view! { <p class="muted small">"No labels yet."</p> }.into_any()
                    } else {
                        labels.with_value(|ls| ls.iter().map(|l| {
                            let id = l.label_id;
                            view! {
                                <label class="check">
                                    <input type="checkbox" prop:checked=move || selected.with(|s| s.contains(&id))
                                        on:change=move |_| toggle(id)/>
                                    <LabelChip name=l.name.clone() color=l.color.clone()/>
                                    <span class="muted small">{crate::fmt::group_thousands(l.used)}</span>
                                </label>
                            }
                        }).collect_view()).into_any()
                    }}
                    <div class="radio-row" role="radiogroup" aria-label="Match">
                        <label class="radio">
                            <input type="radio" name="label-match" prop:checked=move || !all.get()
                                on:change=move |_| on_change.run((selected.get_untracked(), false))/>
                            "Match any"
                        </label>
                        <label class="radio">
                            <input type="radio" name="label-match" prop:checked=move || all.get()
                                on:change=move |_| on_change.run((selected.get_untracked(), true))/>
                            "Match all"
                        </label>
                    </div>
                    <button type="button" class="btn" on:click=move |_| {
                        open.set(false);
                        on_change.run((vec![], false));
                    }>"Clear"</button>
        </FilterMenu>
    }
}

/// Swatches plus a free colour input.
#[component]
fn ColorChooser(color: RwSignal<String>, #[prop(into)] name: String) -> impl IntoView {
    view! {
        <div class="swatches" role="radiogroup" aria-label="Colour">
            {PALETTE.iter().map(|c| {
                let c: &'static str = c;
                view! {
                    <label class="swatch" style=format!("background:{c}") title=c>
                        <input type="radio" name=name.clone() value=c
                            prop:checked=move || color.get() == c
                            on:change=move |_| color.set(c.to_string())/>
                        <span class="sr-only">{c}</span>
                    </label>
                }
            }).collect_view()}
            <label class="swatch custom" title="Custom colour">
                <span class="sr-only">"Custom colour"</span>
                <input type="color" prop:value=move || color.get()
                    on:input=move |ev| color.set(event_target_value(&ev))/>
            </label>
        </div>
    }
}

/// One label in the dialog: shown, or edited in place, or asking to confirm its deletion.
#[component]
fn LabelRow(label: Label, can_edit: bool, changed: Callback<()>) -> impl IntoView {
    let mode = RwSignal::new(0u8); // 0 shown, 1 editing, 2 confirming delete
    let name = RwSignal::new(label.name.clone());
    let color = RwSignal::new(label.color.clone());
    let errors = RwSignal::new(FieldErrors::new());
    let busy = RwSignal::new(false);
    let id = label.label_id;
    let used = label.used;
    let shown_name = label.name.clone();
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        busy.set(true);
        let input = LabelInput {
            name: name.get_untracked(),
            color: color.get_untracked(),
        };
        spawn_local(async move {
            let r = update_label(id, input).await;
            busy.set(false);
            match r {
                Ok(_) => {
                    mode.set(0);
                    changed.run(());
                }
                Err(AppError::Validation(e)) => errors.set(e),
                Err(e) => {
                    errors.set(FieldErrors::from([("name".to_string(), e.to_string())]));
                }
            }
        });
    };
    let remove = move |_| {
        busy.set(true);
        spawn_local(async move {
            let r = delete_label(id).await;
            busy.set(false);
            match r {
                Ok(_) => changed.run(()),
                Err(e) => {
                    errors.set(FieldErrors::from([("name".to_string(), e.to_string())]));
                    mode.set(0);
                }
            }
        });
    };
    view! {
        <li class="label-row" data-label=shown_name.clone()>
            {move || match mode.get() {
                1 => view! {
                    <form class="label-edit" on:submit=save>
                        <div class="field" class:has-error=move || errors.with(|e| e.contains_key("name"))>
                            <label for=format!("label-name-{id}")>"Name"</label>
                            <input id=format!("label-name-{id}") maxlength="60" prop:value=move || name.get()
                                on:input=move |ev| { name.set(event_target_value(&ev)); errors.set(FieldErrors::new()); }/>
                            <p class="field-error" role="alert">{move || errors.with(|e| e.get("name").cloned())}</p>
                        </div>
                        <ColorChooser color name=format!("label-color-{id}")/>
                        <p class="field-error" role="alert">{move || errors.with(|e| e.get("color").cloned())}</p>
                        <div class="row-actions">
                            {move || view! { <LabelChip name=name.get() color=color.get()/> }}
                            <button type="button" class="btn" on:click=move |_| { mode.set(0); errors.set(FieldErrors::new()); }>"Cancel"</button>
                            <button type="submit" class="btn btn-primary" disabled=move || busy.get()>"Save"</button>
                        </div>
                    </form>
                }.into_any(),
                2 => view! {
                    <div class="label-confirm" role="alert">
                        <p>{format!(
                            "Delete label “{}”? {} customer{} will lose it.",
                            name.get_untracked(),
                            crate::fmt::group_thousands(used),
                            if used == 1 { "" } else { "s" }
                        )}</p>
                        <div class="row-actions">
                            <button type="button" class="btn" on:click=move |_| mode.set(0)>"Cancel"</button>
                            <button type="button" class="btn btn-danger" disabled=move || busy.get() on:click=remove>"Delete label"</button>
                        </div>
                    </div>
                }.into_any(),
                _ => view! {
                    <div class="label-line">
                        <LabelChip name=name.get_untracked() color=color.get_untracked()/>
                        <span class="muted small label-used">{format!(
                            "{} customer{}",
                            crate::fmt::group_thousands(used),
                            if used == 1 { "" } else { "s" }
                        )}</span>
                        {can_edit.then(|| view! {
                            <button type="button" class="btn btn-small" aria-label=format!("Edit label {}", name.get_untracked())
                                on:click=move |_| mode.set(1)>"Edit"</button>
                            <button type="button" class="btn btn-small danger" aria-label=format!("Delete label {}", name.get_untracked())
                                on:click=move |_| mode.set(2)>"Delete"</button>
                        })}
                    </div>
                    <p class="field-error" role="alert">{move || errors.with(|e| e.get("name").cloned())}</p>
                }.into_any(),
            }}
        </li>
    }
}

/// [`ManageLabelsDialog`], its code fetched when it is first opened (`ui::widgets::on_demand`).
#[lazy]
pub fn manage_labels_dialog(
    can_edit: bool,
    on_close: Callback<()>,
    on_changed: Callback<()>,
) -> AnyView {
    view! { <ManageLabelsDialog can_edit on_close on_changed/> }.into_any()
}

/// Manage labels: every label with its colour and usage; Admin and Sales add, rename,
/// recolour and delete (the server checks), everyone else sees the list.
#[component]
pub fn ManageLabelsDialog(
    can_edit: bool,
    on_close: Callback<()>,
    /// Called after any change (the page reloads its labels and rows).
    on_changed: Callback<()>,
) -> impl IntoView {
    let labels = RwSignal::new(None::<Result<Vec<Label>, AppError>>);
    let load = move || {
        spawn_local(async move {
            labels.set(Some(list_labels().await));
        })
    };
    load();
    let changed = Callback::new(move |_| {
        load();
        on_changed.run(());
    });
    let name = RwSignal::new(String::new());
    let color = RwSignal::new(PALETTE[7].to_string());
    let errors = RwSignal::new(FieldErrors::new());
    let busy = RwSignal::new(false);
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let input = LabelInput {
            name: name.get_untracked(),
            color: color.get_untracked(),
        };
        if let Err(e) = super::validate_label(&input) {
            errors.set(e);
            return;
        }
        busy.set(true);
        spawn_local(async move {
            let r = create_label(input).await;
            busy.set(false);
            match r {
                Ok(_) => {
                    name.set(String::new());
                    errors.set(FieldErrors::new());
                    changed.run(());
                }
                Err(AppError::Validation(e)) => errors.set(e),
                Err(e) => errors.set(FieldErrors::from([("name".to_string(), e.to_string())])),
            }
        });
    };
    view! {
        <Modal title="Manage labels" on_close>
            <div class="manage-labels">
                {can_edit.then(|| view! {
                    <form class="label-new" on:submit=add novalidate>
                        <div class="field" class:has-error=move || errors.with(|e| e.contains_key("name"))>
                            <label for="new-label-name">"New label"</label>
                            <input id="new-label-name" placeholder="Label name" maxlength="60"
                                aria-invalid=move || errors.with(|e| e.contains_key("name")).to_string()
                                aria-describedby="new-label-name-error"
                                prop:value=move || name.get()
                                on:input=move |ev| { name.set(event_target_value(&ev)); errors.set(FieldErrors::new()); }/>
                            <p class="field-error" id="new-label-name-error" role="alert">{move || errors.with(|e| e.get("name").cloned())}</p>
                        </div>
                        <ColorChooser color name="new-label-color"/>
                        <p class="field-error" role="alert">{move || errors.with(|e| e.get("color").cloned())}</p>
                        <div class="row-actions">
                            {move || {
                                let n = name.get();
                                view! { <LabelChip name=if n.trim().is_empty() { "Preview".to_string() } else { n } color=color.get()/> }
                            }}
                            <button type="submit" class="btn btn-primary" disabled=move || busy.get()>"Save"</button>
                        </div>
                    </form>
                })}
                {move || match labels.get() {
                    None => view! { <p class="muted">"Loading labels…"</p> }.into_any(),
                    Some(Err(e)) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
                    Some(Ok(ls)) if ls.is_empty() => view! { <p class="muted">"No labels yet."</p> }.into_any(),
                    Some(Ok(ls)) => view! {
                        <ul class="label-list">
                            {ls.into_iter().map(|l| view! { <LabelRow label=l can_edit changed/> }).collect_view()}
                        </ul>
                    }.into_any(),
                }}
                <div class="modal-actions">
                    <button type="button" class="btn" on:click=move |_| on_close.run(())>"Done"</button>
                </div>
            </div>
        </Modal>
    }
}
