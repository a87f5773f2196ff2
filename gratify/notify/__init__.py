"""Room `notify`: the mail outbox. Notices are queued in their event's transaction
(`service`), written as mail (`messages`), claimed and delivered (`sender`, `transport`)
by every worker and by ``gratify notify run`` (`jobs`, `commands`); deadline reminders
(`deadlines`); dead letters for admins (`dead_letters`, `pages`)."""
