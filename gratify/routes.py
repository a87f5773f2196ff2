"""Every URL of the site, its endpoint and who may call it: the one map.

Add a route as one row in the table below, with who may call it in the last column:
``anyone``, ``reporter`` (holds a receipt), ``handler``, ``supervisor``, ``admin``,
``auditor``. Access itself is enforced by the endpoint; this column is the map.
"""

from __future__ import annotations

from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from gratify.accounts import admin_pages as admin
from gratify.accounts import views as accounts
from gratify.audit import api as audit_api
from gratify.audit import pages as audit_pages
from gratify.cases import api as cases_api
from gratify.cases import pages as cases
from gratify.cases import pages_actions as case_forms
from gratify.cases import pages_case as case_pages
from gratify.cases import pages_export as case_export
from gratify.intake import api, checker, pages_inbox, pages_verify
from gratify.intake import pages as report
from gratify.notify import pages as mail_pages
from gratify.settings import Settings
from gratify.stats import api as stats_api
from gratify.stats import pages as stats_pages
from gratify.stats import pages_rating as stats_rating
from gratify.web import openapi, pages
from gratify.web.static import STATIC_DIR

GET = ("GET",)
POST = ("POST",)


def routes(settings: Settings) -> list[BaseRoute]:
    """The site's routes, in matching order."""
    # fmt: off
    return [
        # path             endpoint               methods       name                       who
        Route("/",         pages.landing,         methods=GET,  name="landing"),          # anyone
        Route("/language", pages.switch_language, methods=POST, name="switch_language"),  # anyone
        Route("/healthz",  pages.healthz,         methods=GET,  name="healthz"),          # anyone
        Route("/lapor/{tenant}/gratifikasi/cek", checker.check_gift,
              methods=("GET", "POST"), name="gift_checker"),                            # anyone
        # The reporter's pages (templates/intake/); /lapor/terkirim before /lapor/{tenant}
        Route("/lapor", report.start, methods=GET, name="report_start"),                # anyone
        Route("/lapor/terkirim", report.sent, methods=GET, name="report_sent"),         # anyone
        Route("/lapor/terkirim/tanda-terima.json", report.sent_acknowledgement_json,
              methods=GET, name="sent_acknowledgement_json"),                # just filed
        Route("/lapor/terkirim/tanda-terima", report.sent_acknowledgement_print,
              methods=GET, name="sent_acknowledgement_print"),               # just filed
        Route("/lapor/{tenant}", report.tenant_home, methods=GET, name="report_tenant"),  # anyone
        Route("/lapor/{tenant}/{kind}", report.report_form, methods=GET,
              name="report_form"),                                                    # anyone
        Route("/lapor/{tenant}/{kind}", report.submit_report, methods=POST,
              name="report_submit"),                                                  # anyone
        Route("/kotak", pages_inbox.login_page, methods=GET, name="inbox_login"),       # anyone
        Route("/kotak", pages_inbox.login, methods=POST, name="inbox_open"),   # receipt holder
        Route("/kotak/laporan", pages_inbox.inbox, methods=GET, name="inbox"),        # reporter
        Route("/kotak/pesan", pages_inbox.post_message, methods=POST,
              name="inbox_message"),                                                # reporter
        Route("/kotak/bukti", pages_inbox.post_evidence, methods=POST,
              name="inbox_evidence"),                                               # reporter
        Route("/kotak/tanda-terima.json", pages_inbox.acknowledgement_json, methods=GET,
              name="inbox_acknowledgement_json"),                                   # reporter
        Route("/kotak/tanda-terima", pages_inbox.acknowledgement_print, methods=GET,
              name="inbox_acknowledgement_print"),                                  # reporter
        Route("/kotak/keluar", pages_inbox.logout, methods=POST, name="inbox_logout"),  # reporter
        Route("/kotak/nilai", stats_rating.rate_page, methods=POST,
              name="inbox_rating"),                                                 # reporter
        Route("/verify", pages_verify.verify_page, methods=GET, name="verify"),         # anyone
        # The public statistics (templates/stats/)
        Route("/stats", stats_pages.installation_page, methods=GET, name="stats"),       # anyone
        Route("/stats/{tenant}", stats_pages.tenant_page, methods=GET,
              name="stats_tenant"),                                                   # anyone
        Route("/verify", pages_verify.verify, methods=POST, name="verify_check"),       # anyone
        # Staff sign in and out (templates/accounts/)
        Route("/masuk", accounts.login_page, methods=GET, name="staff_login"),          # anyone
        Route("/masuk", accounts.login_submit, methods=POST,
              name="staff_login_submit"),                                              # anyone
        Route("/keluar", accounts.logout_submit, methods=POST,
              name="staff_logout"),                                        # signed-in staff
        # Account administration (templates/accounts/admin*.html); anyone else: 404
        Route("/admin/pengguna", admin.users_page, methods=GET, name="admin_users"),    # admin
        Route("/admin/pengguna", admin.add_user, methods=POST,
              name="admin_add_user"),                                                  # admin
        Route("/admin/pengguna/{username}", admin.user_page, methods=GET,
              name="admin_user"),                                                      # admin
        Route("/admin/pengguna/{username}/nonaktif", admin.disable, methods=POST,
              name="admin_disable"),                                                   # admin
        Route("/admin/pengguna/{username}/aktif", admin.enable, methods=POST,
              name="admin_enable"),                                                    # admin
        Route("/admin/pengguna/{username}/kata-sandi", admin.reset_password, methods=POST,
              name="admin_reset_password"),                                            # admin
        Route("/admin/pengguna/{username}/totp", admin.reset_totp, methods=POST,
              name="admin_reset_totp"),                                                # admin
        Route("/admin/pengguna/{username}/peran", admin.change_role, methods=POST,
              name="admin_change_role"),                                               # admin
        Route("/admin/pengguna/{username}/kontak", admin.change_contact, methods=POST,
              name="admin_change_contact"),                                            # admin
        Route("/admin/hasil", admin.result_page, methods=GET, name="admin_result"),     # admin
        Route("/admin/surat", mail_pages.dead_letters_page, methods=GET,
              name="admin_mail"),                                                      # admin
        Route("/admin/surat/kirim-ulang", mail_pages.retry_all, methods=POST,
              name="admin_mail_retry_all"),                                            # admin
        Route("/admin/surat/{mail_id}/kirim-ulang", mail_pages.retry, methods=POST,
              name="admin_mail_retry"),                                                # admin
        Route("/admin/unit", admin.unit_page, methods=GET, name="admin_unit"),     # supervisor
        Route("/kasus-unit/beri-akses", admin.regrant_cases, methods=POST,
              name="unit_regrant"),                                               # supervisor
        # The handler's pages (templates/cases/); every case id answers 404 when not theirs
        Route("/kasus", cases.inbox, methods=GET, name="case_inbox"),                  # handler
        Route("/kasus/{case_id}", case_pages.case_page, methods=GET, name="case_page"),  # handler
        Route("/kasus/{case_id}/langkah", case_forms.transition, methods=POST,
              name="case_transition"),                                               # handler
        Route("/kasus/{case_id}/pesan", case_forms.message, methods=POST,
              name="case_message"),                                                  # handler
        Route("/kasus/{case_id}/catatan", case_forms.note, methods=POST,
              name="case_note"),                                                     # handler
        Route("/kasus/{case_id}/penugasan", case_forms.assignment, methods=POST,
              name="case_assignment"),                                    # handler, supervisor
        Route("/kasus/{case_id}/akses", case_forms.grant, methods=POST,
              name="case_grant"),                                                    # handler
        Route("/kasus/{case_id}/akses/cabut", case_forms.revoke, methods=POST,
              name="case_revoke"),                                                # supervisor
        Route("/kasus/{case_id}/konflik", case_pages.conflict_page, methods=GET,
              name="case_conflict_confirm"),                                         # handler
        Route("/kasus/{case_id}/konflik", case_forms.conflict, methods=POST,
              name="case_conflict"),                                                 # handler
        Route("/kasus/{case_id}/ekspor", case_export.export_case, methods=GET,
              name="case_export"),                                                   # handler
        Route("/kasus/{case_id}/lampiran/{attachment_id}", case_pages.attachment,
              methods=GET, name="case_attachment"),                                  # handler
        # The region's audit trail (templates/audit/); anyone else signed in: 404
        Route("/jejak-audit", audit_pages.trail_page, methods=GET,
              name="audit_trail"),                                      # auditor, supervisor
        Mount("/static",   StaticFiles(directory=STATIC_DIR),   name="static"),           # anyone
        # The reporter's JSON API (API.md)
        Route("/api/v1/tenants", api.tenants, methods=GET, name="api_tenants"),        # anyone
        Route("/api/v1/tenants/{tenant}/forms", api.forms, methods=GET,
              name="api_forms"),                                                      # anyone
        Route("/api/v1/tenants/{tenant}/reports", api.submit, methods=POST,
              name="api_submit"),                                                     # anyone
        Route("/api/v1/inbox/session", api.inbox_session, methods=POST,
              name="api_inbox_session"),                                   # receipt holder
        Route("/api/v1/inbox/session", api.end_inbox_session, methods=("DELETE",),
              name="api_inbox_logout"),                                          # reporter
        Route("/api/v1/inbox", api.inbox, methods=GET, name="api_inbox"),               # reporter
        Route("/api/v1/inbox/messages", api.inbox_message, methods=POST,
              name="api_inbox_message"),                                          # reporter
        Route("/api/v1/inbox/rating", stats_rating.rate_api, methods=POST,
              name="api_inbox_rate"),                                             # reporter
        Route("/api/v1/inbox/rating", stats_rating.rating_api, methods=GET,
              name="api_inbox_rating"),                                           # reporter
        Route("/api/v1/receipts/verify", api.verify_receipt, methods=POST,
              name="api_verify_receipt"),                                         # anyone
        # Open data: the public statistics (API.md; docs/statistics.md)
        Route("/api/v1/stats", stats_api.installation_stats, methods=GET,
              name="api_stats"),                                                    # anyone
        Route("/api/v1/stats.csv", stats_api.installation_stats_csv, methods=GET,
              name="api_stats_csv"),                                                # anyone
        Route("/api/v1/tenants/{tenant}/stats", stats_api.tenant_stats, methods=GET,
              name="api_tenant_stats"),                                             # anyone
        Route("/api/v1/tenants/{tenant}/stats.csv", stats_api.tenant_stats_csv,
              methods=GET, name="api_tenant_stats_csv"),                            # anyone
        Route("/api/v1/openapi.json", openapi.openapi, methods=GET, name="openapi"),  # anyone
        Route("/api/v1/audit", audit_api.audit_entries, methods=GET,
              name="api_audit"),                                        # auditor, supervisor
        # The handler JSON API (API.md); every case id answers 404 when not the caller's
        Route("/api/v1/cases", cases_api.cases, methods=GET, name="api_cases"),       # handler
        Route("/api/v1/cases/{case_id}", cases_api.case, methods=GET,
              name="api_case"),                                                      # handler
        Route("/api/v1/cases/{case_id}/transitions", cases_api.transition, methods=POST,
              name="api_case_transition"),                                           # handler
        Route("/api/v1/cases/{case_id}/messages", cases_api.message, methods=POST,
              name="api_case_message"),                                              # handler
        Route("/api/v1/cases/{case_id}/notes", cases_api.note, methods=POST,
              name="api_case_note"),                                                 # handler
        Route("/api/v1/cases/{case_id}/assignment", cases_api.assignment, methods=POST,
              name="api_case_assignment"),                                # handler, supervisor
        Route("/api/v1/cases/{case_id}/holders", cases_api.holders, methods=GET,
              name="api_case_holders"),                                              # handler
        Route("/api/v1/cases/{case_id}/grants", cases_api.grant, methods=POST,
              name="api_case_grant"),                                                # handler
        Route("/api/v1/cases/{case_id}/grants/{username}", cases_api.revoke,
              methods=("DELETE",), name="api_case_revoke"),                       # supervisor
        Route("/api/v1/cases/{case_id}/conflict", cases_api.conflict, methods=POST,
              name="api_case_conflict"),                                             # handler
        Route("/api/v1/cases/{case_id}/attachments/{attachment_id}", cases_api.attachment,
              methods=GET, name="api_case_attachment"),                              # handler
        # Staff sessions (API.md, "Handler JSON API")
        Route("/api/v1/session", accounts.api_login, methods=POST,
              name="api_session_login"),                                               # anyone
        Route("/api/v1/session", accounts.api_session, methods=GET,
              name="api_session"),                                         # signed-in staff
        Route("/api/v1/session", accounts.api_logout, methods=("DELETE",),
              name="api_session_logout"),                                  # signed-in staff
    ]
    # fmt: on
