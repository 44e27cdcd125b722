//! A customer's profile page: Overview, History, Quick Actions.

use super::activity::ActivityEntries;
use super::activity::{ActivityEntry, ActivityKind};
use super::form::{customer_form_modal, FormTarget};
use super::model::Customer;
use super::page::status::StatusChip;
use super::{customer_activity, get_customer};
use crate::auth::Capability;
use crate::auth::PortalState;
use crate::fmt::{country_name, fmt_date};
use crate::portal::staff_ui::{portal_info, reset_password_modal, send_invitation, PortalTab};
use crate::ui::context::{can, use_toasts};
use crate::ui::data_page::{Loaded, PageHeader};
use crate::ui::reactive::{fixed_on_server, fixed_on_server_copy};
use crate::ui::time::Ago;
use crate::ui::widgets::on_demand;
use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};

#[component]
pub fn CustomerProfilePage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    // On the server, plain values (see ui::reactive): the tab links and the tab body are
    // read inside the customer's Suspend, which can outlive the request.
    let id = fixed_on_server_copy(move || {
        params
            .read()
            .get("id")
            .and_then(|s| s.parse::<i64>().ok())
            .unwrap_or(0)
    });
    let tab = fixed_on_server_copy(move || match query.read().get("tab").as_deref() {
        // "history": links from before the tab became Activity.
        Some("activity") | Some("history") => "activity",
        Some("portal") => "portal",
        _ => "overview",
    });
    let reload = RwSignal::new(0u32);
    let customer = Resource::new(fixed_on_server(move || (id(), reload.get())), |(id, _)| {
        get_customer(id)
    });
    let activity = Resource::new(fixed_on_server(move || (id(), reload.get())), |(id, _)| {
        customer_activity(id)
    });
    let portal = portal_info(id, reload);
    let can_edit = can(Capability::EditCustomers);
    let can_administer = can(Capability::Administer);
    let editing = RwSignal::new(None::<Customer>);
    let resetting = RwSignal::new(None::<String>);
    let toasts = use_toasts();

    view! {
        <section class="page">
            <PageHeader title="Customer profile" own_document_title=true/>
            <Loaded data=customer let:c>
                {
                            let c2 = c.clone();
                            let cid = c.customer_id;
                            let name3 = c.full_name();
                            let name4 = c.full_name();
                            let invite = c.portal_state.can_invite(c.portal_verified).then(|| {
                                let label = if c.portal_state == PortalState::None { "Send invitation" } else { "Resend invitation" };
                                (label, c.email.clone())
                            });
                            view! {
                                <leptos_meta::Title text=page_title(&c.full_name())/>
                                <div class="profile-head">
                                    <h2 data-testid="profile-name">{c.full_name()}</h2>
                                    <StatusChip status=c.status/>
                                    <span class="muted">"User ID " {cid}</span>
                                </div>
                                <nav class="tabs" aria-label="Profile sections">
                                    <a href=format!("/customers/{cid}") aria-current=move || (tab() == "overview").then_some("page")>"Overview"</a>
                                    <a href=format!("/customers/{cid}?tab=portal") aria-current=move || (tab() == "portal").then_some("page")>"Portal"</a>
                                    <a href=format!("/customers/{cid}?tab=activity") aria-current=move || (tab() == "activity").then_some("page")>"Activity"</a>
                                </nav>
                                <div class="profile-layout">
                                    <div class="card profile-main">
                                        {let name = c.full_name();
                                        move || if tab() == "activity" {
                                            view! { <ActivityList activity/> }.into_any()
                                        } else if tab() == "portal" {
                                            view! { <PortalTab customer_id=cid name=name.clone() can_edit info=portal reload/> }.into_any()
                                        } else {
                                            view! { <Overview c=c.clone()/> }.into_any()
                                        }}
                                    </div>
                                    <aside class="card quick-actions" aria-label="Quick Actions">
                                        <h3>"Quick Actions"</h3>
                                        {if can_edit {
                                            view! {
                                                <button type="button" class="btn" on:click=move |_| editing.set(Some(c2.clone()))>
                                                    "Edit customer"
                                                </button>
                                                <button type="button" class="btn" on:click=move |_| resetting.set(Some(name3.clone()))>
                                                    "Reset password"
                                                </button>
                                                {invite.clone().map(|(label, email)| view! {
                                                    <button type="button" class="btn"
                                                        on:click=move |_| send_invitation(toasts, cid, email.clone(), Some(Callback::new(move |_| reload.update(|n| *n += 1))))>
                                                        {label}
                                                    </button>
                                                })}
                                            }.into_any()
                                        } else {
                                            view! { <p class="muted">"You can view this customer; changes need the Admin or Sales role."</p> }.into_any()
                                        }}
                                        {can_administer.then(|| view! {
                                            <crate::privacy::ui::DataRightsActions customer_id=cid name=name4.clone()
                                                on_done=Callback::new(move |_| reload.update(|n| *n += 1))/>
                                        })}
                                    </aside>
                                </div>
                                <crate::notes::ui::NotesSection customer_id=cid/>
                            }
                }
            </Loaded>
        </section>
        // The dialogs' code is fetched when one is first opened.
        {move || resetting.get().map(|name| on_demand(reset_password_modal(
            id(),
            name,
            Callback::new(move |_| resetting.set(None)),
            Callback::new(move |_| reload.update(|n| *n += 1)),
        )))}
        {move || editing.get().map(|c| on_demand(customer_form_modal(
            FormTarget::Edit(Box::new(c)),
            Callback::new(move |c: Customer| {
                editing.set(None);
                reload.update(|n| *n += 1);
                toasts.info(format!("Customer #{} saved", c.customer_id));
            }),
            Callback::new(move |_| editing.set(None)),
        )))}
    }
}

/// leptos_meta writes the title unescaped on the server, and `</title>` would end it early:
/// angle brackets never reach it.
fn page_title(name: &str) -> String {
    format!("{} · Customers", name.replace(['<', '>'], ""))
}

#[component]
fn Overview(c: Customer) -> impl IntoView {
    let row = |label: &'static str, value: String| {
        view! {
            <div class="kv">
                <dt>{label}</dt>
                <dd>{if value.is_empty() { "—".to_string() } else { value }}</dd>
            </div>
        }
    };
    // "3 hours ago by Ana", the exact time on hover.
    let when = |label: &'static str, t, by: Option<String>| {
        view! {
            <div class="kv">
                <dt>{label}</dt>
                <dd><Ago t/>{by.map(|n| format!(" by {n}"))}</dd>
            </div>
        }
    };
    view! {
        <dl class="overview">
            {row("User ID", c.customer_id.to_string())}
            {row("First name", c.first_name.clone())}
            {row("Middle name", c.middle_name.clone())}
            {row("Last name", c.last_name.clone())}
            {row("Suffix", c.suffix.clone())}
            {row("Email", c.email.clone())}
            {row("Gender", c.gender.label().to_string())}
            {row("Birthday", fmt_date(&c.birthday))}
            {row("Contact", c.phone.clone())}
            {row("Street", c.street.clone())}
            {row("City", c.city.clone())}
            {row("State", c.state.clone())}
            {row("Zip", c.zip.clone())}
            {row("Country", country_name(&c.country))}
            {row("Status", c.status.label().to_string())}
            <div class="kv">
                <dt>"Labels"</dt>
                <dd>{if c.labels.is_empty() {
                    "—".into_any()
                } else {
                    view! { <crate::labels::ui::LabelChips labels=c.labels.clone()/> }.into_any()
                }}</dd>
            </div>
            {row("Contact person", c.contact_name.clone())}
            {row("Contact email", c.contact_email.clone())}
            {row("Contact number", c.contact_phone.clone())}
            {when("Date created", c.created_at, c.created_by_name.clone())}
            {when("Date updated", c.updated_at, c.updated_by_name.clone())}
        </dl>
    }
}

#[component]
fn ActivityList(
    activity: Resource<Result<Vec<ActivityEntry>, crate::error::AppError>>,
) -> impl IntoView {
    // None: every kind.
    let only = RwSignal::new(None::<ActivityKind>);
    view! {
        <div class="activity-filter" role="radiogroup" aria-label="Show">
            <label class="radio">
                <input type="radio" name="activity-kind" prop:checked=move || only.get().is_none()
                    on:change=move |_| only.set(None)/>
                "All"
            </label>
            {ActivityKind::ALL.into_iter().map(|k| view! {
                <label class="radio">
                    <input type="radio" name="activity-kind" prop:checked=move || only.get() == Some(k)
                        on:change=move |_| only.set(Some(k))/>
                    {k.label()}
                </label>
            }).collect_view()}
        </div>
        <Transition fallback=|| view! { <p class="muted">"Loading activity…"</p> }>
            {move || Suspend::new(async move {
                match activity.await {
                    Err(e) => view! { <p role="alert">{e.to_string()}</p> }.into_any(),
                    Ok(entries) => {
                        let shown = move || {
                            let k = only.get();
                            entries.iter().filter(|e| k.is_none_or(|k| e.kind == k)).cloned().collect::<Vec<_>>()
                        };
                        view! { {move || view! { <ActivityEntries entries=shown()/> }} }.into_any()
                    }
                }
            })}
        </Transition>
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn page_title_cannot_close_the_title_element() {
        let t = super::page_title("</title><script>alert(1)</script>");
        assert!(!t.contains('<') && !t.contains('>'), "{t}");
        assert_eq!(super::page_title("Ana Cruz"), "Ana Cruz · Customers");
    }
}
