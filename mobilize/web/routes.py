"""The one routing table. Every route is named; links are built with url_path_for, never by hand."""

from __future__ import annotations

from pathlib import Path

from starlette.middleware import Middleware
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from mobilize.web import campaigns, convertors, feeds, health, own_data, pages, webhooks
from mobilize.web import hosting as host_pages
from mobilize.web.api import coalitions, events, gaps, groups, hosting, inbox, messages, people, public, signups
from mobilize.web.api import openapi as openapi_view
from mobilize.web.api import strikes as strikes_api
from mobilize.web.dashboard import account, frames, onboarding, roster, session, shift_edit, team, tokens, volunteers
from mobilize.web.dashboard import archive as dash_archive
from mobilize.web.dashboard import coalitions as dash_coalitions
from mobilize.web.dashboard import events as dash_events
from mobilize.web.dashboard import hosting as dash_hosting
from mobilize.web.dashboard import inbox as dash_inbox
from mobilize.web.dashboard import lists as dash_lists
from mobilize.web.dashboard import people_edit as dash_people
from mobilize.web.dashboard import strikes as dash_strikes
from mobilize.web.dashboard import turnout as dash_turnout
from mobilize.web.text import QueryGuard

convertors.register()  # before the routes below compile their paths

api_routes: list[BaseRoute] = [
    # The public routes first: a surge of sign-ups is the hottest path, and starlette tries the routes in order.
    Route("/public/campaigns/{org}/{slug}/events", hosting.public_propose, methods=["POST"], name="public-host-events"),
    *public.routes(),
    Route("/openapi.json", openapi_view.openapi_json, methods=["GET"], name="openapi"),
    Route("/groups", groups.list_groups, methods=["GET"], name="groups"),
    Route("/groups", groups.create_group, methods=["POST"], name="groups-create"),
    Route("/groups/{slug}", groups.get_group, methods=["GET"], name="group"),
    Route("/groups/{slug}", groups.update_group, methods=["PATCH"], name="group-update"),
    Route("/groups/{slug}/messages", messages.blast_group, methods=["POST"], name="group-messages-create"),
    Route("/groups/{slug}/standby", gaps.list_standby, methods=["GET"], name="group-standby"),
    Route("/groups/{slug}/standby", gaps.add_standby, methods=["POST"], name="group-standby-add"),
    Route(
        "/groups/{slug}/standby/{volunteer_id:id}", gaps.remove_standby, methods=["DELETE"], name="group-standby-remove"
    ),
    Route("/campaigns", groups.list_campaigns, methods=["GET"], name="campaigns"),
    Route("/campaigns", groups.create_campaign, methods=["POST"], name="campaigns-create"),
    Route("/campaigns/{slug}", groups.get_campaign, methods=["GET"], name="campaign"),
    Route("/campaigns/{slug}", groups.update_campaign, methods=["PATCH"], name="campaign-update"),
    Route("/campaigns/{slug}/partners", coalitions.list_partners, methods=["GET"], name="partners"),
    Route("/campaigns/{slug}/partners", coalitions.invite_partner, methods=["POST"], name="partners-create"),
    Route(
        "/campaigns/{slug}/partners/{partner_id:id}",
        coalitions.remove_partner,
        methods=["DELETE"],
        name="partner-remove",
    ),
    Route("/campaigns/{slug}/turnout", coalitions.campaign_turnout, methods=["GET"], name="campaign-turnout"),
    Route("/partnerships", coalitions.list_partnerships, methods=["GET"], name="partnerships"),
    Route(
        "/partnerships/{partnership_id:id}/accept",
        coalitions.accept_partnership,
        methods=["POST"],
        name="partnership-accept",
    ),
    Route(
        "/partnerships/{partnership_id:id}/decline",
        coalitions.decline_partnership,
        methods=["POST"],
        name="partnership-decline",
    ),
    Route(
        "/partnerships/{partnership_id:id}/leave",
        coalitions.leave_partnership,
        methods=["POST"],
        name="partnership-leave",
    ),
    Route("/events", events.list_events, methods=["GET"], name="events"),
    Route("/events", events.create_event, methods=["POST"], name="events-create"),
    Route("/events/{event_id:id}", events.get_event, methods=["GET"], name="event"),
    Route("/events/{event_id:id}", events.update_event, methods=["PATCH"], name="event-update"),
    Route("/events/{event_id:id}/cancel", events.cancel_event, methods=["POST"], name="event-cancel"),
    Route("/events/{event_id:id}/rotate-link", events.rotate_link, methods=["POST"], name="event-rotate-link"),
    Route("/events/{event_id:id}/shifts", events.create_shifts, methods=["POST"], name="shifts-create"),
    Route("/events/{event_id:id}/messages", messages.blast_event, methods=["POST"], name="event-messages-create"),
    Route(
        "/events/{event_id:id}/messages/stats",
        messages.event_message_stats,
        methods=["GET"],
        name="event-message-stats",
    ),
    Route("/shifts/{shift_id:id}", events.get_shift, methods=["GET"], name="shift"),
    Route("/shifts/{shift_id:id}", events.update_shift, methods=["PATCH"], name="shift-update"),
    Route("/shifts/{shift_id:id}", events.delete_shift, methods=["DELETE"], name="shift-delete"),
    Route("/shifts/{shift_id:id}/signups", signups.list_signups, methods=["GET"], name="signups"),
    Route("/shifts/{shift_id:id}/signups", signups.create_signup, methods=["POST"], name="signups-create"),
    Route("/shifts/{shift_id:id}/messages", messages.blast_shift, methods=["POST"], name="shift-messages-create"),
    Route("/shifts/{shift_id:id}/gap-requests", gaps.shift_gap_requests, methods=["GET"], name="shift-gap-requests"),
    Route("/signups/{signup_id:id}", signups.get_signup, methods=["GET"], name="signup"),
    Route("/signups/{signup_id:id}", signups.update_signup, methods=["PATCH"], name="signup-update"),
    Route("/inbox", inbox.list_threads, methods=["GET"], name="inbox"),
    Route("/inbox/{thread_id:id}", inbox.get_thread, methods=["GET"], name="inbox-thread"),
    Route("/inbox/{thread_id:id}", inbox.update_thread, methods=["PATCH"], name="inbox-thread-update"),
    Route("/inbox/{thread_id:id}/replies", inbox.reply, methods=["POST"], name="inbox-replies-create"),
    Route("/volunteers", people.list_volunteers, methods=["GET"], name="volunteers"),
    Route("/volunteers", people.create_volunteer, methods=["POST"], name="volunteers-create"),
    Route("/volunteers/{volunteer_id:id}", people.get_volunteer, methods=["GET"], name="volunteer"),
    Route("/volunteers/{volunteer_id:id}", people.update_volunteer, methods=["PATCH"], name="volunteer-update"),
    Route(
        "/volunteers/{volunteer_id:id}/rotate-link",
        people.rotate_volunteer_link,
        methods=["POST"],
        name="volunteer-rotate-link",
    ),
    Route("/turnout", people.get_turnout, methods=["GET"], name="turnout"),
    Route("/strikes", strikes_api.list_strikes, methods=["GET"], name="strikes"),
    Route("/strikes", strikes_api.create_strike, methods=["POST"], name="strikes-create"),
    Route("/strikes/{strike_id:id}", strikes_api.get_strike, methods=["GET"], name="strike"),
    Route("/strikes/{strike_id:id}", strikes_api.update_strike, methods=["PATCH"], name="strike-update"),
    Route("/strikes/{strike_id:id}/duty", strikes_api.record_duty, methods=["POST"], name="strike-duty-create"),
    Route(
        "/strikes/{strike_id:id}/duty/{duty_id:id}",
        strikes_api.correct_duty,
        methods=["PATCH"],
        name="strike-duty-update",
    ),
    Route("/strikes/{strike_id:id}/scans", strikes_api.scan, methods=["POST"], name="strike-scans-create"),
    Route("/strikes/{strike_id:id}/disputes", strikes_api.list_disputes, methods=["GET"], name="strike-disputes"),
    Route(
        "/strikes/{strike_id:id}/disputes", strikes_api.raise_dispute, methods=["POST"], name="strike-disputes-create"
    ),
    Route(
        "/strikes/{strike_id:id}/disputes/{dispute_id:id}",
        strikes_api.resolve_dispute,
        methods=["PATCH"],
        name="strike-dispute-update",
    ),
    Route("/strikes/{strike_id:id}/captains", strikes_api.add_captain, methods=["POST"], name="strike-captains-create"),
    Route("/strikes/{strike_id:id}/ledger", strikes_api.get_ledger, methods=["GET"], name="strike-ledger"),
    Route("/strikes/{strike_id:id}/ledger.csv", strikes_api.ledger_csv, methods=["GET"], name="strike-ledger-csv"),
    Route("/strikes/{strike_id:id}/weeks/close", strikes_api.close_week, methods=["POST"], name="strike-week-close"),
    # Volunteers host events (services.hosting).
    Route("/campaigns/{slug}/hosting", hosting.get_policy, methods=["GET"], name="campaign-hosting"),
    Route("/campaigns/{slug}/hosting", hosting.put_policy, methods=["PUT"], name="campaign-hosting-update"),
    Route("/events/{event_id:id}/approve", hosting.approve, methods=["POST"], name="event-approve"),
    Route("/events/{event_id:id}/reject", hosting.reject, methods=["POST"], name="event-reject"),
    Route(
        "/events/{event_id:id}/request-changes", hosting.request_changes, methods=["POST"], name="event-request-changes"
    ),
    Route("/events/{event_id:id}/unpublish", hosting.unpublish, methods=["POST"], name="event-unpublish"),
]

page_routes: list[BaseRoute] = [
    Route("/", pages.finder, methods=["GET"], name="finder"),
    Route("/events/{event_id:id}", pages.event_page, methods=["GET"], name="event"),
    Route("/events/{event_id:id}/signup", pages.event_signup, methods=["POST"], name="event-signup"),
    Route("/events/{event_id:id}/signed-up", pages.signed_up, methods=["GET"], name="event-signed-up"),
    # The same pages at an event's tokened address: the only one an unlisted event answers at (web.urls).
    Route("/events/{event_id:id}-{token:token}", pages.event_page, methods=["GET"], name="event-shared"),
    Route(
        "/events/{event_id:id}-{token:token}/signup", pages.event_signup, methods=["POST"], name="event-shared-signup"
    ),
    Route(
        "/events/{event_id:id}-{token:token}/signed-up",
        pages.signed_up,
        methods=["GET"],
        name="event-shared-signed-up",
    ),
    Route("/campaigns/{org:slug}/{slug:slug}", campaigns.campaign_page, methods=["GET"], name="campaign"),
    Route("/campaigns/{org:slug}/{slug:slug}/embed", campaigns.campaign_embed, methods=["GET"], name="campaign-embed"),
    Route("/signups/{token:token}", pages.manage_page, methods=["GET"], name="manage"),
    Route("/signups/{token:token}/drop/{signup_id:id}", pages.manage_drop, methods=["POST"], name="manage-drop"),
    Route(
        "/signups/{token:token}/confirm/{signup_id:id}", pages.manage_confirm, methods=["POST"], name="manage-confirm"
    ),
    Route(
        "/signups/{token:token}/calendar/rotate", pages.manage_rotate_feed, methods=["POST"], name="manage-rotate-feed"
    ),
    Route("/signups/{token:token}/my-data.json", own_data.my_data, methods=["GET"], name="manage-my-data"),
    Route("/signups/{token:token}/forget", own_data.forget_me, methods=["POST"], name="manage-forget"),
    Route("/campaigns/{org:slug}/{slug:slug}/host", host_pages.host_form, methods=["GET"], name="host-form"),
    Route("/campaigns/{org:slug}/{slug:slug}/host", host_pages.host_submit, methods=["POST"], name="host-submit"),
    Route(
        "/campaigns/{org:slug}/{slug:slug}/host/links",
        host_pages.host_links_request,
        methods=["POST"],
        name="host-links",
    ),
    Route("/host/confirm/{token:token}", host_pages.confirm_page, methods=["GET"], name="host-confirm"),
    Route("/host/confirm/{token:token}", host_pages.confirm, methods=["POST"], name="host-confirm-post"),
    Route("/host/events/{token:token}", host_pages.host_page_get, methods=["GET"], name="host-page"),
    Route("/host/events/{token:token}/edit", host_pages.host_edit, methods=["POST"], name="host-edit"),
    Route("/host/events/{token:token}/messages", host_pages.host_message, methods=["POST"], name="host-message"),
    Route(
        "/host/events/{token:token}/attendance/{signup_id:id}", host_pages.host_mark, methods=["POST"], name="host-mark"
    ),
    Route("/host/events/{token:token}/renew", host_pages.host_renew, methods=["POST"], name="host-renew"),
    Route("/login", session.login_page, methods=["GET"], name="login"),
    Route("/login", session.login, methods=["POST"], name="login-post"),
    Route("/logout", session.logout, methods=["POST"], name="logout"),
    Route("/password-reset", onboarding.reset_request_page, methods=["GET"], name="reset"),
    Route("/password-reset", onboarding.reset_request, methods=["POST"], name="reset-post"),
    Route("/password-reset/choose", onboarding.reset_choose_page, methods=["GET"], name="reset-choose"),
    Route("/password-reset/choose", onboarding.reset_choose, methods=["POST"], name="reset-choose-post"),
    Route("/invitations/{token:token}", onboarding.invitation_page, methods=["GET"], name="invitation"),
    Route("/invitations/{token:token}", onboarding.accept_invitation, methods=["POST"], name="invitation-post"),
    Route("/checkin/{token:token}", roster.checkin_page, methods=["GET"], name="checkin"),
    Route("/checkin/{token:token}", roster.checkin, methods=["POST"], name="checkin-post"),
]

dashboard_routes: list[BaseRoute] = [
    Route("/", dash_events.home, methods=["GET"], name="home"),
    Route("/events/new", dash_events.event_new, methods=["GET"], name="event-new"),
    Route("/events", dash_events.event_create, methods=["POST"], name="event-create"),
    Route("/events/{event_id:id}", dash_events.event_page, methods=["GET"], name="event"),
    Route("/events/{event_id:id}/edit", dash_events.event_edit, methods=["GET"], name="event-edit"),
    Route("/events/{event_id:id}/edit", dash_events.event_update, methods=["POST"], name="event-update"),
    Route("/events/{event_id:id}/cancel", dash_events.event_cancel, methods=["POST"], name="event-cancel"),
    Route("/events/{event_id:id}/duplicate", dash_events.event_duplicate, methods=["POST"], name="event-duplicate"),
    Route("/events/{event_id:id}/shifts", dash_events.shift_create, methods=["POST"], name="shift-create"),
    Route("/events/{event_id:id}/schedule", dash_events.schedule_create, methods=["POST"], name="schedule-create"),
    Route("/shifts/{shift_id:id}", roster.roster_page, methods=["GET"], name="roster"),
    Route("/shifts/{shift_id:id}/edit", shift_edit.edit_page, methods=["GET"], name="shift-edit"),
    Route("/shifts/{shift_id:id}/edit", shift_edit.update, methods=["POST"], name="shift-update"),
    Route("/shifts/{shift_id:id}/cancel", shift_edit.cancel, methods=["POST"], name="shift-cancel"),
    Route("/shifts/{shift_id:id}/roster.csv", roster.roster_csv, methods=["GET"], name="roster-csv"),
    Route("/shifts/{shift_id:id}/walk-ins", roster.walk_in, methods=["POST"], name="walk-in"),
    Route("/shifts/{shift_id:id}/messages", roster.message_roster, methods=["POST"], name="roster-message"),
    Route("/signups/{signup_id:id}/attendance", roster.mark, methods=["POST"], name="mark"),
    Route("/hosting", dash_hosting.queue, methods=["GET"], name="hosting"),
    Route("/events/{event_id:id}/approve", dash_hosting.approve, methods=["POST"], name="hosting-approve"),
    Route("/events/{event_id:id}/reject", dash_hosting.reject, methods=["POST"], name="hosting-reject"),
    Route("/events/{event_id:id}/request-changes", dash_hosting.changes, methods=["POST"], name="hosting-changes"),
    Route("/events/{event_id:id}/unpublish", dash_hosting.unpublish, methods=["POST"], name="hosting-unpublish"),
    Route("/team", team.team_page, methods=["GET"], name="team"),
    Route("/team/{membership_id:id}/role", team.change_role, methods=["POST"], name="team-role"),
    Route("/team/{membership_id:id}/remove", team.remove_member, methods=["POST"], name="team-remove"),
    Route("/invitations/{invitation_id:id}/resend", team.resend, methods=["POST"], name="invitation-resend"),
    Route("/audit", team.audit_page, methods=["GET"], name="audit"),
    Route("/settings", team.settings_page, methods=["GET"], name="settings"),
    Route("/settings", team.settings_update, methods=["POST"], name="settings-post"),
    Route("/invitations", onboarding.invitations_page, methods=["GET"], name="invitations"),
    Route("/invitations", onboarding.invite, methods=["POST"], name="invite"),
    Route("/volunteers", volunteers.search, methods=["GET"], name="volunteers"),
    Route("/volunteers/{volunteer_id:id}", volunteers.record, methods=["GET"], name="volunteer"),
    Route("/volunteers/{volunteer_id:id}/merge", volunteers.merge, methods=["POST"], name="volunteer-merge"),
    Route("/volunteers/{volunteer_id:id}/erase", own_data.erase_person, methods=["POST"], name="volunteer-erase"),
    Route("/volunteers/{volunteer_id:id}/edit", dash_people.edit_page, methods=["GET"], name="volunteer-edit"),
    Route("/volunteers/{volunteer_id:id}/edit", dash_people.update, methods=["POST"], name="volunteer-update"),
    Route("/lists", dash_lists.index, methods=["GET"], name="lists"),
    Route("/lists/new", dash_lists.new_page, methods=["GET"], name="list-new"),
    Route("/lists/new", dash_lists.create, methods=["POST"], name="list-create"),
    Route("/lists/{list_id:id}", dash_lists.list_page, methods=["GET"], name="list"),
    Route("/lists/{list_id:id}/edit", dash_lists.edit_page, methods=["GET"], name="list-edit"),
    Route("/lists/{list_id:id}/edit", dash_lists.update, methods=["POST"], name="list-update"),
    Route("/lists/{list_id:id}/delete", dash_lists.delete, methods=["POST"], name="list-delete"),
    Route("/lists/{list_id:id}/message", dash_lists.message_page, methods=["GET"], name="list-message"),
    Route("/lists/{list_id:id}/message", dash_lists.message, methods=["POST"], name="list-message-post"),
    Route("/inbox", dash_inbox.inbox_page, methods=["GET"], name="inbox"),
    Route("/inbox/{thread_id:id}", dash_inbox.thread_page, methods=["GET"], name="inbox-thread"),
    Route("/inbox/{thread_id:id}/replies", dash_inbox.reply, methods=["POST"], name="inbox-reply"),
    Route("/inbox/{thread_id:id}/status", dash_inbox.set_status, methods=["POST"], name="inbox-status"),
    Route(
        "/volunteers/{volunteer_id:id}/standby", volunteers.standby_change, methods=["POST"], name="volunteer-standby"
    ),
    Route("/account", account.account_page, methods=["GET"], name="account"),
    Route("/archive.zip", dash_archive.download, methods=["GET"], name="archive"),
    Route("/account/password", account.password_change, methods=["POST"], name="account-password"),
    Route("/account/sign-out-everywhere", account.sign_out_everywhere, methods=["POST"], name="sign-out-everywhere"),
    Route("/tokens", tokens.tokens_page, methods=["GET"], name="tokens"),
    Route("/tokens", tokens.token_create, methods=["POST"], name="token-create"),
    Route("/tokens/{token_id:id}/revoke", tokens.token_revoke, methods=["POST"], name="token-revoke"),
    Route("/strikes", dash_strikes.strikes_home, methods=["GET"], name="strikes"),
    Route("/strikes/{strike_id:id}", dash_strikes.strike_page, methods=["GET"], name="strike"),
    Route("/strikes/{strike_id:id}/ledger.csv", dash_strikes.ledger_csv, methods=["GET"], name="strike-ledger-csv"),
    Route("/strikes/{strike_id:id}/badges", dash_strikes.badges, methods=["GET"], name="strike-badges"),
    Route("/strikes/{strike_id:id}/disputes", dash_strikes.raise_dispute, methods=["POST"], name="strike-dispute"),
    Route(
        "/strikes/{strike_id:id}/disputes/{dispute_id:id}/resolve",
        dash_strikes.resolve_dispute,
        methods=["POST"],
        name="strike-dispute-resolve",
    ),
    Route(
        "/strikes/{strike_id:id}/lines/{event_id:id}", dash_strikes.captain_page, methods=["GET"], name="strike-captain"
    ),
    Route(
        "/strikes/{strike_id:id}/lines/{event_id:id}/scans",
        dash_strikes.captain_scan,
        methods=["POST"],
        name="strike-scan",
    ),
    Route(
        "/strikes/{strike_id:id}/lines/{event_id:id}/on-line",
        dash_strikes.on_line,
        methods=["GET"],
        name="strike-on-line",
    ),
    Route("/partnerships", dash_coalitions.partnerships_page, methods=["GET"], name="partnerships"),
    Route(
        "/partnerships/{partnership_id:id}/{verb:slug}",
        dash_coalitions.partnership_answer,
        methods=["POST"],
        name="partnership-answer",
    ),
    Route("/campaigns/{slug:slug}/partners", dash_coalitions.partners_page, methods=["GET"], name="partners"),
    Route("/campaigns/{slug:slug}/partners", dash_coalitions.partner_invite, methods=["POST"], name="partner-invite"),
    Route(
        "/campaigns/{slug:slug}/partners/{partner_id:id}/remove",
        dash_coalitions.partner_remove,
        methods=["POST"],
        name="partner-remove",
    ),
    Route(
        "/turnout/coalitions/{slug:slug}", dash_coalitions.coalition_turnout, methods=["GET"], name="turnout-coalition"
    ),
    Route(
        "/turnout/coalitions/{slug:slug}.csv",
        dash_coalitions.coalition_turnout_csv,
        methods=["GET"],
        name="turnout-coalition-csv",
    ),
    Route("/groups", frames.frames_page, methods=["GET"], name="frames"),
    Route("/groups/new", frames.new_page, methods=["GET"], name="group-new"),
    Route("/groups/new", frames.create, methods=["POST"], name="group-create"),
    Route("/groups/{slug:slug}/edit", frames.edit_page, methods=["GET"], name="group-edit"),
    Route("/groups/{slug:slug}/edit", frames.update, methods=["POST"], name="group-update"),
    Route("/groups/{slug:slug}/message", frames.message_page, methods=["GET"], name="group-message"),
    Route("/groups/{slug:slug}/message", frames.message, methods=["POST"], name="group-message-post"),
    Route("/campaigns/new", frames.new_page, methods=["GET"], name="campaign-new"),
    Route("/campaigns/new", frames.create, methods=["POST"], name="campaign-create"),
    Route("/campaigns/{slug:slug}/edit", frames.edit_page, methods=["GET"], name="campaign-edit"),
    Route("/campaigns/{slug:slug}/edit", frames.update, methods=["POST"], name="campaign-update"),
    Route("/turnout", dash_turnout.turnout_home, methods=["GET"], name="turnout-home"),
    Route("/turnout/groups/{slug:slug}", dash_turnout.group_turnout, methods=["GET"], name="turnout-group"),
    Route("/turnout/groups/{slug:slug}.csv", dash_turnout.group_turnout_csv, methods=["GET"], name="turnout-group-csv"),
    Route("/turnout/campaigns/{slug:slug}", dash_turnout.campaign_turnout, methods=["GET"], name="turnout-campaign"),
    Route(
        "/turnout/campaigns/{slug:slug}.csv",
        dash_turnout.campaign_turnout_csv,
        methods=["GET"],
        name="turnout-campaign-csv",
    ),
    Route("/turnout/events/{event_id:id}", dash_turnout.event_turnout, methods=["GET"], name="turnout-event"),
    Route(
        "/turnout/events/{event_id:id}.csv", dash_turnout.event_turnout_csv, methods=["GET"], name="turnout-event-csv"
    ),
]

feed_routes: list[BaseRoute] = [
    Route("/events/{event_id:id}.ics", feeds.event_feed, methods=["GET", "HEAD"], name="event"),
    Route("/events/{event_id:id}-{token:token}.ics", feeds.event_feed, methods=["GET", "HEAD"], name="event-shared"),
    Route("/groups/{slug:slug}.ics", feeds.group_feed, methods=["GET", "HEAD"], name="group"),
    Route("/campaigns/{slug:slug}.ics", feeds.campaign_feed, methods=["GET", "HEAD"], name="campaign"),
    Route(
        "/campaigns/{org:slug}/{slug:slug}.ics", feeds.campaign_feed, methods=["GET", "HEAD"], name="convener-campaign"
    ),
    Route("/organizations/{slug:slug}.ics", feeds.organization_feed, methods=["GET", "HEAD"], name="organization"),
    # Group and campaign slugs are unique per organization only: these always find one.
    Route(
        "/organizations/{org:slug}/groups/{slug:slug}.ics", feeds.group_feed, methods=["GET", "HEAD"], name="org-group"
    ),
    Route(
        "/organizations/{org:slug}/campaigns/{slug:slug}.ics",
        feeds.campaign_feed,
        methods=["GET", "HEAD"],
        name="org-campaign",
    ),
    Route("/volunteers/{token:token}.ics", feeds.volunteer_feed, methods=["GET", "HEAD"], name="volunteer"),
]

webhook_routes: list[BaseRoute] = [
    Route("/twilio/sms", webhooks.twilio_sms, methods=["POST"], name="twilio-sms"),
    Route("/twilio/status", webhooks.twilio_status, methods=["POST"], name="twilio-status"),
]

# The API checks its query parameters itself (a 422 in its error format); pages and feeds refuse junk here.
GUARDED = [Middleware(QueryGuard)]

routes: list[BaseRoute] = [
    Route("/healthz", health.healthz, methods=["GET"], name="healthz"),
    Mount("/api/v1", routes=api_routes, name="api"),
    Mount("/feeds", routes=feed_routes, name="feeds", middleware=GUARDED),
    Mount("/webhooks", routes=webhook_routes, name="webhooks"),
    Mount("/dashboard", routes=dashboard_routes, name="dash", middleware=GUARDED),
    Mount("/static", app=StaticFiles(directory=Path(__file__).parent / "static"), name="static"),
    Mount("", routes=page_routes, name="pages", middleware=GUARDED),
]
