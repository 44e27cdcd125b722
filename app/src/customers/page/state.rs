//! The list page's shared state: what the URL asks for, what is ticked, hidden for Undo,
//! switched ahead of the server or cached for offline use, and which modal is open. One
//! `Copy` handle that every part of the page receives.

use super::columns::Columns;
use super::url::ListUrl;
use crate::customers::form::FormTarget;
use crate::customers::list::CustomerQuery;
use crate::customers::model::{Customer, Status};
use crate::ui::context::use_toasts;
use crate::ui::reactive::memo_fixed_on_server;
use crate::ui::widgets::Toasts;
use leptos::prelude::*;
use leptos_router::hooks::{use_location, use_navigate};
use leptos_router::NavigateOptions;
use std::collections::{HashMap, HashSet};

#[derive(Clone, Copy)]
pub struct ListState {
    pub url: Memo<ListUrl>,
    pub query: Memo<CustomerQuery>,
    navigate: Callback<(String, bool)>,
    pub can_edit: bool,
    pub toasts: Toasts,
    reload: RwSignal<u32>,
    /// Reloads the page of rows.
    pub refresh: Callback<()>,
    /// Bumped when labels may have changed (bulk label actions, Manage labels).
    pub labels_version: RwSignal<u32>,
    pub columns: Columns,
    /// Rows deleted a moment ago: gone from the page at once, back on Undo.
    pub hidden_rows: RwSignal<HashSet<i64>>,
    /// Statuses switched here, shown before the server has answered.
    pub status_override: RwSignal<HashMap<i64, Status>>,
    pub offline: RwSignal<bool>,
    /// Every row seen (and a background snapshot while the list is small), for offline use.
    pub cache: RwSignal<HashMap<i64, Customer>>,
    /// Ticked rows (Admin and Sales), or every customer the filters match.
    pub selected: RwSignal<HashSet<i64>>,
    pub all_matching: RwSignal<bool>,
    /// The Add / Edit customer modal.
    pub form: RwSignal<Option<FormTarget>>,
    /// The Reset password modal: (customer id, name).
    pub resetting: RwSignal<Option<(i64, String)>>,
}

impl ListState {
    pub fn new(can_edit: bool) -> Self {
        let location = use_location();
        let navigate = use_navigate();
        let url = memo_fixed_on_server(move || location.search.with(|s| ListUrl::parse(s)));
        let query = memo_fixed_on_server(move || url.with(ListUrl::query));
        let reload = RwSignal::new(0u32);
        let toasts = use_toasts();
        ListState {
            url,
            query,
            navigate: Callback::new(move |(href, replace): (String, bool)| {
                navigate(
                    &href,
                    NavigateOptions {
                        replace,
                        scroll: false,
                        ..Default::default()
                    },
                )
            }),
            can_edit,
            toasts,
            reload,
            refresh: Callback::new(move |_| reload.update(|n| *n += 1)),
            labels_version: RwSignal::new(0),
            columns: Columns::new(toasts),
            hidden_rows: RwSignal::new(HashSet::new()),
            status_override: RwSignal::new(HashMap::new()),
            offline: RwSignal::new(false),
            cache: RwSignal::new(HashMap::new()),
            selected: RwSignal::new(HashSet::new()),
            all_matching: RwSignal::new(false),
            form: RwSignal::new(None),
            resetting: RwSignal::new(None),
        }
    }

    /// Tracks the reload counter (for the page's resource).
    pub fn reloads(&self) -> u32 {
        self.reload.get()
    }

    /// Change the URL; the list follows it. `replace`: no new history entry (typing).
    pub fn set_url(&self, change: impl FnOnce(&mut ListUrl), replace: bool) {
        let mut url = self.url.get_untracked();
        change(&mut url);
        self.navigate.run((url.href(), replace));
    }

    /// A new search, filter, sort or page size, from the first page.
    pub fn refilter(&self, change: impl FnOnce(&mut ListUrl), replace: bool) {
        self.set_url(
            |url| {
                change(url);
                url.first_page();
            },
            replace,
        );
    }

    /// The rows minus those deleted a moment ago.
    pub fn live_rows(&self, rows: &[Customer]) -> Vec<Customer> {
        let hidden = self.hidden_rows.get();
        rows.iter()
            .filter(|c| !hidden.contains(&c.customer_id))
            .cloned()
            .collect()
    }

    pub fn is_selected(&self, id: i64) -> bool {
        self.all_matching.get() || self.selected.with(|s| s.contains(&id))
    }

    /// Is every row of this page (still shown) ticked, one by one?
    pub fn page_ticked(&self, page_ids: &[i64]) -> bool {
        let hidden = self.hidden_rows.get();
        let live: Vec<&i64> = page_ids.iter().filter(|i| !hidden.contains(i)).collect();
        !live.is_empty() && live.iter().all(|i| self.selected.with(|s| s.contains(i)))
    }

    pub fn toggle_row(&self, id: i64) {
        self.all_matching.set(false);
        self.selected.update(|s| {
            if !s.remove(&id) {
                s.insert(id);
            }
        });
    }

    pub fn clear_selection(&self) {
        self.selected.set(HashSet::new());
        self.all_matching.set(false);
    }
}
