//! The Imports page (Admin and Sales): every import with who ran it, when, its counts or its
//! progress, the rejected rows to download, and Undo import.

use super::model::{ImportState, ImportStatus};
use super::ui::{invitations_sentence, progress_sentence, result_sentence, RejectedRows};
use super::{list_imports, undo_import};
use crate::ui::context::use_toasts;
use crate::ui::data_page::{DataTable, Loaded, PageHeader, ACTIONS};
use crate::ui::reactive::fixed_on_server;
use crate::ui::time::LocalTime;
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::time::Duration;

#[component]
pub fn ImportsPage() -> impl IntoView {
    let reload = RwSignal::new(0u32);
    let imports = Resource::new(fixed_on_server(move || reload.get()), |_| list_imports());
    let toasts = use_toasts();
    // While one runs, its progress moves on the page.
    let poll = StoredValue::new(None::<IntervalHandle>);
    Effect::new(move |_| {
        let running = imports
            .get()
            .and_then(Result::ok)
            .is_some_and(|l| l.iter().any(|i| i.state == ImportState::Running));
        match (running, poll.get_value()) {
            (true, None) => {
                if let Ok(h) = set_interval_with_handle(
                    move || reload.update(|n| *n += 1),
                    Duration::from_secs(1),
                ) {
                    poll.set_value(Some(h));
                }
            }
            (false, Some(h)) => {
                h.clear();
                poll.set_value(None);
            }
            _ => {}
        }
    });
    on_cleanup(move || {
        if let Some(h) = poll.get_value() {
            h.clear();
        }
    });
    let undo = move |id: i64| {
        spawn_local(async move {
            match undo_import(id).await {
                Ok(r) => {
                    let mut message = format!(
                        "Import undone: {} removed, {} restored",
                        r.removed, r.restored
                    );
                    if !r.left_alone.is_empty() {
                        message.push_str(&format!(
                            "; {} edited since were left as they are",
                            r.left_alone.len()
                        ));
                    }
                    toasts.info(message);
                    reload.update(|n| *n += 1);
                }
                Err(e) => toasts.error(e.to_string()),
            }
        });
    };
    view! {
        <section class="page">
            <PageHeader title="Imports"/>
            <Loaded data=imports is_empty=Vec::is_empty empty="No imports yet. Import customers from the Customers page." let:list>
                <DataTable columns=&["File", "By", "Started", "Status", "Result", ACTIONS]>
                    {list.into_iter().map(|i: ImportStatus| {
                        let id = i.batch_id;
                        let running = i.state == ImportState::Running;
                        let result = if running { progress_sentence(&i) } else { result_sentence(&i) };
                        view! {
                            <tr data-import=id>
                                <td>{i.file_name.clone()}</td>
                                <td>{i.created_by_name.clone()}</td>
                                <td class="nowrap"><LocalTime t=i.created_at/></td>
                                <td>{i.state.label()}</td>
                                <td>
                                    {running.then(|| view! { <progress max=i.total.max(1) value=i.done></progress> })}
                                    {result}
                                    {invitations_sentence(&i).map(|t| view! { <br/><span class="muted small">{t}</span> })}
                                </td>
                                <td class="nowrap">
                                    {(i.invalid > 0).then(|| view! { <RejectedRows batch_id=id/> })}
                                    {(i.state == ImportState::Done).then(|| view! {
                                        <button type="button" class="btn" on:click=move |_| undo(id)>"Undo import"</button>
                                    })}
                                </td>
                            </tr>
                        }
                    }).collect_view()}
                </DataTable>
            </Loaded>
        </section>
    }
}
