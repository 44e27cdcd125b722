//! Which columns show: saved per user on the server (with the page size and the choice of
//! table or cards), changed from the 👁️ Columns menu.

use crate::customers::list::COLUMNS;
use crate::error::AppError;
use crate::prefs::{get_list_prefs, save_list_prefs, ListPrefs};
use crate::ui::icons::Icon;
use crate::ui::widgets::Toasts;
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::collections::HashSet;

#[derive(Clone, Copy)]
pub struct Columns {
    prefs: Resource<Result<ListPrefs, AppError>>,
    /// Chosen on this page; until then, as saved.
    hidden: RwSignal<Option<HashSet<String>>>,
    size: RwSignal<Option<u32>>,
    cards: RwSignal<Option<bool>>,
    toasts: Toasts,
}

impl Columns {
    pub fn new(toasts: Toasts) -> Self {
        Columns {
            prefs: Resource::new(|| (), |_| get_list_prefs()),
            hidden: RwSignal::new(None),
            size: RwSignal::new(None),
            cards: RwSignal::new(None),
            toasts,
        }
    }

    /// Waits for the saved choice (so the first render hides the right columns).
    pub async fn loaded(self) {
        let _ = self.prefs.await;
    }

    pub fn is_hidden(&self, key: &str) -> bool {
        let prefs = self.prefs;
        self.hidden.with(|h| match h {
            Some(h) => h.contains(key),
            None => prefs.with(|p| {
                p.as_ref()
                    .and_then(|p| p.as_ref().ok())
                    .is_some_and(|p| p.hidden_columns.iter().any(|c| c == key))
            }),
        })
    }

    fn hidden_now(&self) -> HashSet<String> {
        COLUMNS
            .iter()
            .map(|(k, _, _)| k.to_string())
            .filter(|k| self.is_hidden(k))
            .collect()
    }

    /// The keys of the columns shown (what the export writes).
    pub fn shown(&self) -> Vec<String> {
        COLUMNS
            .iter()
            .map(|(k, _, _)| k.to_string())
            .filter(|k| !self.is_hidden(k))
            .collect()
    }

    pub fn toggle(&self, key: &'static str) {
        let mut h = self.hidden_now();
        if !h.remove(key) {
            h.insert(key.to_string());
        }
        self.hidden.set(Some(h.clone()));
        self.save(h);
    }

    /// Shows every column but `hidden` (a saved view's), and saves that.
    pub fn set_hidden(&self, hidden: Vec<String>) {
        let h: HashSet<String> = hidden.into_iter().collect();
        self.hidden.set(Some(h.clone()));
        self.save(h);
    }

    pub fn reset(&self) {
        self.hidden.set(Some(HashSet::new()));
        self.save(HashSet::new());
    }

    /// Saves the page size chosen in the pager, with the columns as they are.
    pub fn save_page_size(&self, size: u32) {
        self.size.set(Some(size));
        self.save(self.hidden_now());
    }

    /// Whether this user shows cards rather than the table, as last chosen.
    pub fn cards(&self) -> bool {
        let prefs = self.prefs;
        self.cards.get().unwrap_or_else(|| {
            prefs.with(|p| {
                p.as_ref()
                    .and_then(|p| p.as_ref().ok())
                    .is_some_and(|p| p.cards)
            })
        })
    }

    /// Saves the choice of cards or table.
    pub fn save_cards(&self, cards: bool) {
        self.cards.set(Some(cards));
        self.save(self.hidden_now());
    }

    fn save(&self, hidden: HashSet<String>) {
        let mut cols: Vec<String> = hidden.into_iter().collect();
        cols.sort();
        let saved = self.prefs.get_untracked().and_then(|p| p.ok());
        let page_size = self
            .size
            .get_untracked()
            .or_else(|| saved.as_ref().and_then(|p| p.page_size));
        let cards = self
            .cards
            .get_untracked()
            .unwrap_or_else(|| saved.as_ref().is_some_and(|p| p.cards));
        let toasts = self.toasts;
        spawn_local(async move {
            if let Err(e) = save_list_prefs(ListPrefs {
                hidden_columns: cols,
                page_size,
                cards,
            })
            .await
            {
                toasts.error(format!("Could not save your view: {e}"));
            }
        });
    }
}

/// The 👁️ menu: a checkbox per column, and Reset to default.
#[component]
pub fn ColumnsMenu(columns: Columns) -> impl IntoView {
    let open = RwSignal::new(false);
    view! {
        <div class="columns-menu">
            <button type="button" class="icon-btn" title="Visibility" aria-label="Columns"
                aria-expanded=move || open.get().to_string()
                on:click=move |_| open.update(|o| *o = !*o)>{Icon::Eye.view()}</button>
            <Show when=move || open.get()>
                <div class="menu-backdrop" on:click=move |_| open.set(false)></div>
                <div class="menu columns-popover" role="group" aria-label="Visible columns">
                    {COLUMNS.iter().map(|(key, label, _)| {
                        let key: &'static str = key;
                        view! {
                            <label class="check">
                                <input type="checkbox" prop:checked=move || !columns.is_hidden(key) on:change=move |_| columns.toggle(key)/>
                                {*label}
                            </label>
                        }
                    }).collect_view()}
                    <button type="button" class="btn" on:click=move |_| columns.reset()>"Reset to default"</button>
                </div>
            </Show>
        </div>
    }
}
