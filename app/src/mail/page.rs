//! The Mail page (Admins): every queued, sent, kept and failed mail, with the error and the
//! attempts, Retry for failed ones, and the text of each (how links are followed when no
//! SMTP server is configured).

use super::{list_mail, mail_body, retry_mail, MailRow, MailStatus};
use crate::fmt::fmt_datetime;
use crate::ui::context::use_toasts;
use crate::ui::data_page::{DataTable, Loaded, PageHeader, ACTIONS};
use crate::ui::reactive::fixed_on_server;
use crate::ui::time::LocalTime;
use crate::ui::widgets::Modal;
use leptos::prelude::*;
use leptos::task::spawn_local;

#[component]
pub fn MailPage() -> impl IntoView {
    let reload = RwSignal::new(0u32);
    let mails = Resource::new(fixed_on_server(move || reload.get()), |_| list_mail());
    let toasts = use_toasts();
    let open_body = RwSignal::new(None::<(i64, String)>);
    let retry = move |id: i64| {
        spawn_local(async move {
            match retry_mail(id).await {
                Ok(()) => {
                    toasts.info(format!("Mail #{id} queued again"));
                    reload.update(|n| *n += 1);
                }
                Err(e) => toasts.error(e.to_string()),
            }
        });
    };
    let show = move |id: i64| {
        spawn_local(async move {
            match mail_body(id).await {
                Ok(text) => open_body.set(Some((id, text))),
                Err(e) => toasts.error(e.to_string()),
            }
        });
    };
    view! {
        <section class="page">
            <PageHeader title="Mail">
                <button type="button" class="btn" on:click=move |_| reload.update(|n| *n += 1)>"🔄 Refresh"</button>
            </PageHeader>
            <Loaded data=mails is_empty=Vec::is_empty empty="No mail yet." let:list>
                <DataTable testid="mail-table"
                    columns=&["#", "Created", "To", "Subject", "Status", "Attempts", "Error", ACTIONS]>
                    {list.into_iter().map(|m: MailRow| {
                        let id = m.email_id;
                        let failed = m.status == MailStatus::Failed;
                        let status_note = match m.status {
                            MailStatus::Queued if m.attempts > 0 => format!("{} (next try {})", m.status.label(), fmt_datetime(&m.next_attempt_at)),
                            MailStatus::Sent | MailStatus::Kept => format!("{} {}", m.status.label(), m.sent_at.as_ref().map(fmt_datetime).unwrap_or_default()),
                            _ => m.status.label().to_string(),
                        };
                        view! {
                            <tr data-mail-id=id>
                                <td class="num">{id}</td>
                                <td class="nowrap"><LocalTime t=m.created_at/></td>
                                <td>{m.recipient.clone()}</td>
                                <td>{m.subject.clone()}</td>
                                <td class="nowrap" class:status-inactive=failed>{status_note}</td>
                                <td class="num">{m.attempts}</td>
                                <td class="mail-error">{m.last_error.clone()}</td>
                                <td class="nowrap">
                                    <button type="button" class="btn btn-small" on:click=move |_| show(id)>"View"</button>
                                    {failed.then(|| view! {
                                        <button type="button" class="btn btn-small" on:click=move |_| retry(id)>"Retry"</button>
                                    })}
                                </td>
                            </tr>
                        }
                    }).collect_view()}
                </DataTable>
            </Loaded>
            {move || open_body.get().map(|(id, text)| view! {
                <Modal title=format!("Mail #{id}") on_close=Callback::new(move |_| open_body.set(None))>
                    <pre class="mail-body" data-testid="mail-body">{text}</pre>
                </Modal>
            })}
        </section>
    }
}
