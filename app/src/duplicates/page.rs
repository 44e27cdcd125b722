//! `/customers/duplicates`: the candidate pairs, each with "Compare and merge" (a side-by-
//! side dialog: which record stays, and field by field which value) and "Not duplicates".
//! A merge ends with an Undo toast.

use super::{
    dismiss_duplicate, find_duplicates, merge_customers, undo_merge, MergeInput, Pair, Side,
};
use crate::audit::field_label;
use crate::customers::get_customer;
use crate::customers::model::{Customer, MERGE_FIELDS as FIELDS};
use crate::fmt::{country_name, fmt_date};
use crate::ui::context::use_toasts;
use crate::ui::data_page::{Loaded, PageHeader};
use crate::ui::reactive::fixed_on_server;
use crate::ui::time::LocalTime;
use crate::ui::widgets::Modal;
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::collections::HashSet;

/// A field's value as the dialog shows it.
fn shown(c: &Customer, field: &str) -> String {
    match field {
        "first_name" => c.first_name.clone(),
        "middle_name" => c.middle_name.clone(),
        "last_name" => c.last_name.clone(),
        "suffix" => c.suffix.clone(),
        "email" => c.email.clone(),
        "gender" => c.gender.label().to_string(),
        "birthday" => fmt_date(&c.birthday),
        "phone" => c.phone.clone(),
        "street" => c.street.clone(),
        "city" => c.city.clone(),
        "state" => c.state.clone(),
        "zip" => c.zip.clone(),
        "country" => country_name(&c.country),
        "status" => c.status.label().to_string(),
        "contact_name" => c.contact_name.clone(),
        "contact_email" => c.contact_email.clone(),
        "contact_phone" => c.contact_phone.clone(),
        _ => String::new(),
    }
}

/// The values taken from the other record by default: where the survivor has none and the
/// other has one.
fn default_from_other(survivor: &Customer, other: &Customer) -> HashSet<&'static str> {
    FIELDS
        .iter()
        .copied()
        .filter(|f| shown(survivor, f).is_empty() && !shown(other, f).is_empty())
        .collect()
}

#[component]
pub fn DuplicatesPage() -> impl IntoView {
    let reload = RwSignal::new(0u32);
    let found = Resource::new(fixed_on_server(move || reload.get()), |_| find_duplicates());
    let comparing = RwSignal::new(None::<(i64, i64)>);
    let toasts = use_toasts();
    let refresh = Callback::new(move |_| reload.update(|n| *n += 1));
    let dismiss = move |a: i64, b: i64| {
        spawn_local(async move {
            match dismiss_duplicate(a, b).await {
                Ok(()) => {
                    toasts.info(format!("#{a} and #{b} are no longer suggested"));
                    refresh.run(());
                }
                Err(e) => toasts.error(e.to_string()),
            }
        });
    };
    view! {
        <section class="page">
            <PageHeader title="Duplicates"/>
            <p class="muted">
                "Customers with the same e-mail (ignoring case, a +tag and Gmail's dots), the same phone, or the same name and birthday."
            </p>
            <Loaded data=found is_empty=|d: &super::Duplicates| d.pairs.is_empty() empty="No duplicates found." let:d>
                {d.more.then(|| view! {
                    <p class="muted" role="status">{format!("Showing the first {} pairs: merge some and look again.", super::MAX_PAIRS)}</p>
                })}
                <ul class="dup-list">
                    {d.pairs.into_iter().map(|p: Pair| {
                        let (a, b) = (p.a.id, p.b.id);
                        view! {
                            <li class="card dup-pair" data-testid="duplicate-pair">
                                <div class="dup-reasons">
                                    {p.reasons.iter().map(|r| view! { <span class="reason-chip">{r.label()}</span> }).collect_view()}
                                </div>
                                <div class="dup-sides">
                                    <SideCard side=p.a/>
                                    <SideCard side=p.b/>
                                </div>
                                <div class="page-actions">
                                    <button type="button" class="btn btn-primary"
                                        on:click=move |_| comparing.set(Some((a, b)))>"Compare and merge"</button>
                                    <button type="button" class="btn" on:click=move |_| dismiss(a, b)>"Not duplicates"</button>
                                </div>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            </Loaded>
            {move || comparing.get().map(|(a, b)| view! {
                <MergeDialog a b on_close=Callback::new(move |_| comparing.set(None)) on_merged=refresh/>
            })}
        </section>
    }
}

#[component]
fn SideCard(side: Side) -> impl IntoView {
    view! {
        <div class="dup-side">
            <a href=format!("/customers/{}", side.id) class="card-name">{format!("#{} {}", side.id, side.name)}</a>
            <div>{side.email}</div>
            <div>{side.phone}</div>
            <div class="muted">{country_name(&side.country)} " · created " <LocalTime t=side.created_at/></div>
        </div>
    }
}

/// Side by side: a column per record, a radio per field. The record that stays is chosen at
/// the top; each field's value may come from either.
#[component]
fn MergeDialog(a: i64, b: i64, on_close: Callback<()>, on_merged: Callback<()>) -> impl IntoView {
    let toasts = use_toasts();
    let both = LocalResource::new(move || async move {
        Ok::<_, crate::error::AppError>((get_customer(a).await?, get_customer(b).await?))
    });
    view! {
        <Modal title="Merge duplicates" on_close>
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match both.await {
                        Err(e) => view! { <p role="alert">{e.to_string()}</p> }.into_any(),
                        Ok((ca, cb)) => view! {
                            <MergeForm ca cb on_close on_merged toasts/>
                        }.into_any(),
                    }
                })}
            </Suspense>
        </Modal>
    }
}

#[component]
fn MergeForm(
    ca: Customer,
    cb: Customer,
    on_close: Callback<()>,
    on_merged: Callback<()>,
    toasts: crate::ui::widgets::Toasts,
) -> impl IntoView {
    let (ca, cb) = (StoredValue::new(ca), StoredValue::new(cb));
    // Which record stays: `a` (the older, by default) or `b`.
    let keep_a = RwSignal::new(true);
    // The fields whose value is `b`'s (whichever record stays).
    let from_b = RwSignal::new(HashSet::<&'static str>::new());
    let reset = move |keep_a_now: bool| {
        let (s, o) = (ca.get_value(), cb.get_value());
        let picked = if keep_a_now {
            default_from_other(&s, &o)
        } else {
            let from_a = default_from_other(&o, &s);
            FIELDS
                .iter()
                .copied()
                .filter(|f| !from_a.contains(f))
                .collect()
        };
        from_b.set(picked);
    };
    reset(true);
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let submit = move |_| {
        let (s, o) = if keep_a.get_untracked() {
            (ca.get_value(), cb.get_value())
        } else {
            (cb.get_value(), ca.get_value())
        };
        let b_stays = !keep_a.get_untracked();
        let picked = from_b.get_untracked();
        let from_other = FIELDS
            .iter()
            .filter(|f| picked.contains(*f) != b_stays)
            .map(|f| f.to_string())
            .collect();
        let input = MergeInput {
            survivor: s.customer_id,
            survivor_version: s.version,
            other: o.customer_id,
            other_version: o.version,
            from_other,
        };
        busy.set(true);
        spawn_local(async move {
            match merge_customers(input).await {
                Ok(m) => {
                    on_close.run(());
                    on_merged.run(());
                    let undo = Callback::new(move |_| {
                        spawn_local(async move {
                            match undo_merge(m.merge_id).await {
                                Ok(()) => {
                                    on_merged.run(());
                                    toasts.info("Merge undone: both customers are back");
                                }
                                Err(e) => toasts.error(e.to_string()),
                            }
                        });
                    });
                    toasts.with_action(
                        format!("Customer #{} merged into #{}", m.other, m.survivor),
                        "Undo",
                        undo,
                    );
                }
                Err(e) => {
                    busy.set(false);
                    error.set(Some(e.to_string()));
                }
            }
        });
    };
    let header = move |keep: bool| {
        let c = if keep { ca.get_value() } else { cb.get_value() };
        view! {
            <th scope="col">
                <label class="radio">
                    <input type="radio" name="survivor" prop:checked=move || keep_a.get() == keep
                        on:change=move |_| { keep_a.set(keep); reset(keep); }/>
                    {format!("Keep #{} {}", c.customer_id, c.full_name())}
                </label>
            </th>
        }
    };
    let labels = |c: &Customer| {
        c.labels
            .iter()
            .map(|l| l.name.clone())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let (la, lb) = (labels(&ca.get_value()), labels(&cb.get_value()));
    view! {
        <div class="customer-form">
        <div class="merge-compare">
            <table class="merge-table">
                <thead>
                    <tr><th scope="col">"Field"</th>{header(true)}{header(false)}</tr>
                </thead>
                <tbody>
                    {FIELDS.iter().map(|&f| {
                        let (va, vb) = (shown(&ca.get_value(), f), shown(&cb.get_value(), f));
                        let same = va == vb;
                        let name = format!("field-{f}");
                        let cell = move |is_b: bool, value: String| {
                            let name = name.clone();
                            let empty = value.is_empty();
                            view! {
                                <td>
                                    <label class="radio">
                                        <input type="radio" name=name disabled=same
                                            aria-label=format!("{} from #{}", field_label(f), if is_b { cb.get_value().customer_id } else { ca.get_value().customer_id })
                                            prop:checked=move || from_b.get().contains(f) == is_b
                                            on:change=move |_| from_b.update(|s| { if is_b { s.insert(f); } else { s.remove(f); } })/>
                                        <span class:muted=empty>{if empty { "(empty)".to_string() } else { value }}</span>
                                    </label>
                                </td>
                            }
                        };
                        view! {
                            <tr class:same=same>
                                <th scope="row">{field_label(f)}</th>
                                {cell(false, va)}
                                {cell(true, vb)}
                            </tr>
                        }
                    }).collect_view()}
                    <tr>
                        <th scope="row">"Labels"</th>
                        <td>{la}</td>
                        <td>{lb}</td>
                    </tr>
                </tbody>
            </table>
            <p class="muted">
                "Labels are united. The other record's notes and history go with the one that stays, and its portal account too if the one that stays has none; the other record goes to the Trash. You can undo the merge right after."
            </p>
            {move || error.get().map(|e| view! { <p class="field-error" role="alert">{e}</p> })}
        </div>
        <div class="modal-actions">
            <button type="button" class="btn" on:click=move |_| on_close.run(())>"Cancel"</button>
            <button type="button" class="btn btn-primary" disabled=move || busy.get() on:click=submit>"Merge"</button>
        </div>
        </div>
    }
}
