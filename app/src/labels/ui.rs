//! Label widgets: chips, the picker, the list filter and the Manage labels dialog.
