-- «Уведомления» at 50,000 accounts, on the PostgreSQL bench database, all in one transaction rolled back at
-- the end (the database is left as it was). Run after `lkk migrate` on that database:
--   PGPASSWORD=lkk psql -h 127.0.0.1 -U lkk lkk_bench -f Tests/bench/notifications_bench.sql
-- It adds 50,000 accounts, publishes a notification to everyone with the statement Notifications.deliver
-- runs, and times the bell's count for one account as the session lookup reads it.
\timing on
BEGIN;
INSERT INTO accounts (id, email, email_confirmed, password_hash, notify_by_email, unread_appeals, must_change_password, marketing, created_at, password_changed_at, agreement_pending)
SELECT gen_random_uuid(), 'bench' || g || '@notify.example', true, 'x', true, 0, false, false, now(), now(), false FROM generate_series(1, 50000) g;
INSERT INTO notifications (id, kind, subject, body, needs_confirmation, shows_from, audience, audience_value, status, send_email, created_at, published_at)
VALUES ('00000000-0000-0000-0000-0000000000b1', 'modal', 'Проверка', 'Текст', true, now(), 'all', '', 'published', false, now(), now());
-- what Notifications.deliver runs for «Все клиенты»: one statement
INSERT INTO notification_recipients (notification_id, account_id, created_at)
SELECT '00000000-0000-0000-0000-0000000000b1', x.account_id, now() FROM (SELECT a.id AS account_id FROM accounts a) x;
SELECT COUNT(*) AS n FROM notification_recipients WHERE notification_id = '00000000-0000-0000-0000-0000000000b1';
ANALYZE notification_recipients;
-- the bell's count for one account, as the session lookup runs it
EXPLAIN ANALYZE SELECT COUNT(*) FROM notification_recipients r JOIN notifications n ON n.id = r.notification_id
WHERE r.account_id = (SELECT id FROM accounts WHERE email = 'bench25000@notify.example') AND r.read_at IS NULL AND n.status = 'published' AND n.shows_from <= now() AND (n.shows_until IS NULL OR n.shows_until > now());
ROLLBACK;
