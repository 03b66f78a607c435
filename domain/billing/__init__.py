"""Billing and metering: meters, usage, plans, subscriptions, invoices, budgets, Stripe."""
