//! The Audit log page (Admins): every event, newest first, filtered by actor, action,
//! customer and date range; the filters live in the URL.

use super::{list_audit, load_audit_choices, AuditFilter, AuditRow};
use crate::audit::field_label;
use crate::ui::data_page::{DataTable, Loaded, PageHeader};
use crate::ui::reactive::{fixed_on_server, memo_fixed_on_server};
use crate::ui::time::LocalTime;
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};
use leptos_router::NavigateOptions;

fn filter_from_url(get: &dyn Fn(&str) -> Option<String>) -> AuditFilter {
    AuditFilter {
        actor: get("actor").unwrap_or_default(),
        action: get("action").unwrap_or_default(),
        customer: get("customer").and_then(|s| s.trim().parse().ok()),
        from: get("from").and_then(|s| s.parse().ok()),
        to: get("to").and_then(|s| s.parse().ok()),
        before: get("before").and_then(|s| s.parse().ok()),
    }
}

fn url_of(f: &AuditFilter) -> String {
    let mut parts = Vec::new();
    let mut push = |k: &str, v: String| {
        if !v.is_empty() {
            parts.push(format!("{k}={}", urlencoding::encode(&v)));
        }
    };
    push("actor", f.actor.clone());
    push("action", f.action.clone());
    push(
        "customer",
        f.customer.map(|c| c.to_string()).unwrap_or_default(),
    );
    push("from", f.from.map(|d| d.to_string()).unwrap_or_default());
    push("to", f.to.map(|d| d.to_string()).unwrap_or_default());
    push(
        "before",
        f.before.map(|b| b.to_string()).unwrap_or_default(),
    );
    if parts.is_empty() {
        "/audit".into()
    } else {
        format!("/audit?{}", parts.join("&"))
    }
}

fn changes_text(r: &AuditRow) -> String {
    r.changes
        .iter()
        .map(|c| {
            let v = |x: &Option<String>| x.clone().unwrap_or_else(|| "(empty)".into());
            if c.old.is_none() {
                format!("{}: {}", field_label(&c.field), v(&c.new))
            } else {
                format!("{}: {} → {}", field_label(&c.field), v(&c.old), v(&c.new))
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

#[component]
pub fn AuditPage() -> impl IntoView {
    let query = use_query_map();
    let filter = memo_fixed_on_server(move || {
        let q = query.read();
        filter_from_url(&|k| q.get(k))
    });
    let page = Resource::new(fixed_on_server(move || filter.get()), list_audit);
    let choices = Resource::new(|| (), |_| load_audit_choices());
    let navigate = use_navigate();
    // A filter change starts again from the newest event.
    let set = move |change: &dyn Fn(&mut AuditFilter)| {
        let mut f = filter.get_untracked();
        change(&mut f);
        f.before = None;
        navigate(&url_of(&f), NavigateOptions::default());
    };
    let (set_actor, set_action, set_customer, set_from, set_to) =
        (set.clone(), set.clone(), set.clone(), set.clone(), set);
    view! {
        <section class="page">
            <PageHeader title="Audit log">
                <a class="btn" href="/audit">"Clear filters"</a>
            </PageHeader>
            <div class="card audit-filters" role="search" aria-label="Audit filters">
                <div class="field">
                    <label for="af-actor">"Actor"</label>
                    <select id="af-actor" on:change=move |ev| {
                        let v = event_target_value(&ev);
                        set_actor(&|f| f.actor = v.clone());
                    }>
                        <option value="" selected=move || filter.with(|f| f.actor.is_empty())>"Everyone"</option>
                        <Transition fallback=|| ()>
                            {move || Suspend::new(async move {
                                choices.await.map(|c| c.actors.into_iter().map(|(value, label)| {
                                    let v2 = value.clone();
                                    view! { <option value=value selected=move || filter.with(|f| f.actor == v2)>{label}</option> }
                                }).collect_view()).ok()
                            })}
                        </Transition>
                    </select>
                </div>
                <div class="field">
                    <label for="af-action">"Action"</label>
                    <select id="af-action" on:change=move |ev| {
                        let v = event_target_value(&ev);
                        set_action(&|f| f.action = v.clone());
                    }>
                        <option value="" selected=move || filter.with(|f| f.action.is_empty())>"Any action"</option>
                        {crate::audit::AuditAction::ALL.iter().map(|a| {
                            let a = a.as_str();
                            view! { <option value=a selected=move || filter.with(|f| f.action == a)>{a}</option> }
                        }).collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for="af-customer">"Customer ID"</label>
                    <input id="af-customer" type="number" min="1" inputmode="numeric"
                        prop:value=move || filter.with(|f| f.customer.map(|c| c.to_string()).unwrap_or_default())
                        on:change=move |ev| {
                            let v = event_target_value(&ev).trim().parse().ok();
                            set_customer(&|f| f.customer = v);
                        }/>
                </div>
                <div class="field">
                    <label for="af-from">"From"</label>
                    <input id="af-from" type="date"
                        prop:value=move || filter.with(|f| f.from.map(|d| d.to_string()).unwrap_or_default())
                        on:change=move |ev| {
                            let v = event_target_value(&ev).parse().ok();
                            set_from(&|f| f.from = v);
                        }/>
                </div>
                <div class="field">
                    <label for="af-to">"To"</label>
                    <input id="af-to" type="date"
                        prop:value=move || filter.with(|f| f.to.map(|d| d.to_string()).unwrap_or_default())
                        on:change=move |ev| {
                            let v = event_target_value(&ev).parse().ok();
                            set_to(&|f| f.to = v);
                        }/>
                </div>
            </div>
            <Loaded data=page is_empty=|p| p.rows.is_empty() empty="No events match." let:p>
                {
                    let older = p.next_before.map(|b| {
                        let mut f = filter.get_untracked();
                        f.before = Some(b);
                        url_of(&f)
                    });
                    view! {
                        <DataTable testid="audit-table"
                            columns=&["When (UTC)", "Actor", "Role", "Action", "About", "IP", "Change"]>
                            {p.rows.into_iter().map(|r| {
                                let about = match (r.entity.as_str(), r.entity_id) {
                                    ("customer", Some(id)) => view! { <a href=format!("/customers/{id}")>{format!("Customer #{id}")}</a> }.into_any(),
                                    (e, Some(id)) => format!("{e} #{id}").into_any(),
                                    (e, None) => e.to_string().into_any(),
                                };
                                let changes = changes_text(&r);
                                view! {
                                    <tr data-audit-id=r.id>
                                        <td class="nowrap"><LocalTime t=r.at/></td>
                                        <td>{r.actor_name.clone().unwrap_or_else(|| "—".into())}</td>
                                        <td>{r.actor_role.clone().unwrap_or_default()}</td>
                                        <td class="nowrap">{r.action.as_str()}</td>
                                        <td class="nowrap">{about}</td>
                                        <td class="nowrap">{r.ip.clone().unwrap_or_default()}</td>
                                        <td class="audit-changes">{changes}</td>
                                    </tr>
                                }
                            }).collect_view()}
                        </DataTable>
                        <div class="pager">
                            {filter.with_untracked(|f| f.before.is_some()).then(|| {
                                let mut f = filter.get_untracked();
                                f.before = None;
                                view! { <a class="btn" href=url_of(&f)>"Newest"</a> }
                            })}
                            {older.map(|href| view! { <a class="btn" href=href>"Older →"</a> })}
                        </div>
                    }
                }
            </Loaded>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_round_trip_through_the_url() {
        let f = AuditFilter {
            actor: "staff:3".into(),
            action: "update".into(),
            customer: Some(12),
            from: "2026-01-02".parse().ok(),
            to: "2026-02-03".parse().ok(),
            before: Some(99),
        };
        let url = url_of(&f);
        let query = url.split_once('?').unwrap().1.to_string();
        let get = |k: &str| {
            query
                .split('&')
                .filter_map(|kv| kv.split_once('='))
                .find(|(key, _)| *key == k)
                .map(|(_, v)| urlencoding::decode(v).unwrap().into_owned())
        };
        assert_eq!(filter_from_url(&get), f);
        assert_eq!(url_of(&AuditFilter::default()), "/audit");
    }
}
