//! Bulk actions (Admin and Sales): the bar over the list while rows are ticked, "Select all
//! N matching", the confirmation, and Undo of the whole batch.

use super::state::ListState;
use crate::customers::bulk::{BulkAction, BulkOutcome, BulkTarget};
use crate::customers::list::Count;
use crate::customers::model::Status;
use crate::customers::{bulk_update_customers, count_matching_customers, restore_customer_batch};
use crate::fmt::group_thousands;
use crate::labels::Label;
use crate::ui::reactive::memo_fixed_on_server;
use crate::ui::widgets::Modal;
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::collections::HashSet;

/// A bulk action waiting for its confirmation.
#[derive(Clone)]
pub struct PendingBulk {
    action: BulkAction,
    label_name: Option<String>,
    target: BulkTarget,
    count: i64,
}

impl PendingBulk {
    fn question(&self) -> String {
        let n = format!(
            "{}{} customer{}",
            if matches!(self.target, BulkTarget::Matching { .. }) {
                "all "
            } else {
                ""
            },
            group_thousands(self.count),
            if self.count == 1 { "" } else { "s" }
        );
        let label = self.label_name.as_deref().unwrap_or("");
        match self.action {
            BulkAction::AddLabel { .. } => format!("Add label “{label}” to {n}?"),
            BulkAction::RemoveLabel { .. } => format!("Remove label “{label}” from {n}?"),
            BulkAction::SetStatus { status } => format!("Set {n} to {}?", status.label()),
            BulkAction::Delete => format!("Delete {n}? You can undo this right after."),
        }
    }
}

fn restored_message(o: &BulkOutcome) -> String {
    let n = group_thousands(o.changed);
    let s = if o.changed == 1 { "" } else { "s" };
    if o.changed == o.matched {
        format!("{n} customer{s} restored")
    } else {
        format!(
            "{n} customer{s} restored; {} could not be, because another customer now uses their email (see Trash)",
            group_thousands(o.matched - o.changed)
        )
    }
}

/// The selection's actions: ask first, then run, with Undo in the toast.
#[derive(Clone, Copy)]
pub struct Bulk {
    list: ListState,
    confirm: RwSignal<Option<PendingBulk>>,
    busy: RwSignal<bool>,
}

impl Bulk {
    pub fn new(list: ListState) -> Self {
        // Another search or filter starts a new selection (paging keeps it).
        let filter_key = memo_fixed_on_server(move || {
            let q = list.query.get();
            (q.q, q.status, q.labels, q.all_labels)
        });
        Effect::new(move |prev: Option<()>| {
            filter_key.track();
            if prev.is_some() {
                list.clear_selection();
            }
        });
        Bulk {
            list,
            confirm: RwSignal::new(None),
            busy: RwSignal::new(false),
        }
    }

    /// Ask to confirm, with how many customers it touches (counted on the server when
    /// every matching customer is selected).
    fn start(&self, action: BulkAction, label_name: Option<String>) {
        let (list, confirm) = (self.list, self.confirm);
        if list.all_matching.get_untracked() {
            let mut q = list.query.get_untracked();
            q.cursor = None;
            spawn_local(async move {
                match count_matching_customers(q.clone()).await {
                    Ok(n) => confirm.set(Some(PendingBulk {
                        action,
                        label_name,
                        target: BulkTarget::Matching {
                            query: q,
                            expected: n,
                        },
                        count: n,
                    })),
                    Err(e) => list.toasts.error(e.to_string()),
                }
            });
        } else {
            let mut ids: Vec<i64> = list.selected.get_untracked().into_iter().collect();
            ids.sort_unstable();
            let count = ids.len() as i64;
            confirm.set(Some(PendingBulk {
                action,
                label_name,
                target: BulkTarget::Ids { ids },
                count,
            }));
        }
    }

    fn run(&self, p: PendingBulk) {
        let Bulk {
            list,
            confirm,
            busy,
        } = *self;
        let toasts = list.toasts;
        let reload_all = move || {
            list.refresh.run(());
            list.labels_version.update(|n| *n += 1);
        };
        busy.set(true);
        spawn_local(async move {
            let result = bulk_update_customers(p.target.clone(), p.action).await;
            busy.set(false);
            confirm.set(None);
            match result {
                Ok(outcome) => {
                    list.clear_selection();
                    reload_all();
                    let message = outcome.message(&p.action, p.label_name.as_deref());
                    match outcome.batch {
                        Some(batch) => {
                            let undo = Callback::new(move |_| {
                                let batch = batch.clone();
                                spawn_local(async move {
                                    match restore_customer_batch(batch).await {
                                        Ok(o) => {
                                            reload_all();
                                            toasts.info(restored_message(&o));
                                        }
                                        Err(e) => toasts.error(e.to_string()),
                                    }
                                });
                            });
                            toasts.with_action(message, "Undo", undo);
                        }
                        None => toasts.info(message),
                    }
                }
                Err(e) => toasts.error(e.to_string()),
            }
        });
    }
}

/// The bar over the list while rows are ticked.
#[component]
pub fn BulkBar(
    bulk: Bulk,
    labels: Vec<Label>,
    total: Count,
    more_pages: bool,
    page_ids: Vec<i64>,
) -> impl IntoView {
    let list = bulk.list;
    let offline = list.offline;
    let (selected, all_matching) = (list.selected, list.all_matching);
    let labels = StoredValue::new(labels);
    let page_ids = StoredValue::new(page_ids);
    let label_select = move |aria: &'static str, first: &'static str, add: bool| {
        view! {
            <select aria-label=aria disabled=move || offline.get() on:change=move |ev| {
                let el = event_target::<web_sys::HtmlSelectElement>(&ev);
                let v = el.value();
                el.set_value("");
                let Ok(label_id) = v.parse::<i64>() else { return };
                let name = labels.with_value(|ls| ls.iter().find(|l| l.label_id == label_id).map(|l| l.name.clone()));
                let action = if add { BulkAction::AddLabel { label_id } } else { BulkAction::RemoveLabel { label_id } };
                bulk.start(action, name);
            }>
                <option value="">{first}</option>
                {labels.with_value(|ls| ls.iter().map(|l| view! { <option value=l.label_id.to_string()>{l.name.clone()}</option> }).collect_view())}
            </select>
        }
    };
    view! {
        <Show when=move || all_matching.get() || !selected.with(HashSet::is_empty)>
            <div class="bulk-bar card" role="region" aria-label="Bulk actions">
                <span class="bulk-count" data-testid="bulk-count">{move || if all_matching.get() {
                    format!("All {} matching selected", total.display())
                } else {
                    format!("{} selected", group_thousands(selected.with(|s| s.len()) as i64))
                }}</span>
                {move || (more_pages && !all_matching.get() && page_ids.with_value(|ids| list.page_ticked(ids))).then(|| view! {
                    <button type="button" class="btn btn-link" on:click=move |_| all_matching.set(true)>
                        {format!("Select all {} matching", total.display())}
                    </button>
                })}
                {label_select("Add label to selected", "Add label…", true)}
                {label_select("Remove label from selected", "Remove label…", false)}
                <button type="button" class="btn" disabled=move || offline.get()
                    on:click=move |_| bulk.start(BulkAction::SetStatus { status: Status::Active }, None)>"Set Active"</button>
                <button type="button" class="btn" disabled=move || offline.get()
                    on:click=move |_| bulk.start(BulkAction::SetStatus { status: Status::Inactive }, None)>"Set Inactive"</button>
                <button type="button" class="btn btn-danger" disabled=move || offline.get()
                    on:click=move |_| bulk.start(BulkAction::Delete, None)>"Delete selected"</button>
                <button type="button" class="btn btn-link" on:click=move |_| list.clear_selection()>"Clear selection"</button>
            </div>
        </Show>
    }
}

/// "Confirm bulk action": the question, Cancel, Confirm.
#[component]
pub fn BulkConfirm(bulk: Bulk) -> impl IntoView {
    let (confirm, busy) = (bulk.confirm, bulk.busy);
    move || {
        confirm.get().map(|p| {
            let question = p.question();
            let danger = p.action == BulkAction::Delete;
            view! {
                <Modal title="Confirm bulk action" on_close=Callback::new(move |_| confirm.set(None))>
                    <p class="confirm-question" data-testid="bulk-question">{question}</p>
                    <div class="modal-actions">
                        <button type="button" class="btn" on:click=move |_| confirm.set(None)>"Cancel"</button>
                        <button type="button" class="btn" class:btn-danger=danger class:btn-primary=!danger
                            disabled=move || busy.get()
                            on:click=move |_| bulk.run(p.clone())>
                            {move || if busy.get() { "Working…" } else { "Confirm" }}
                        </button>
                    </div>
                </Modal>
            }
        })
    }
}
