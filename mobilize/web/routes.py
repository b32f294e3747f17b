"""The one routing table. Every route is named; links are built with url_path_for, never by hand."""

from __future__ import annotations

from pathlib import Path

from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from mobilize.web import convertors, feeds, health, pages, webhooks
from mobilize.web.api import events, groups, inbox, messages, people, public, signups
from mobilize.web.api import openapi as openapi_view

convertors.register()  # before the routes below compile their paths

api_routes: list[BaseRoute] = [
    Route("/openapi.json", openapi_view.openapi_json, methods=["GET"], name="openapi"),
    Route("/groups", groups.list_groups, methods=["GET"], name="groups"),
    Route("/groups", groups.create_group, methods=["POST"], name="groups-create"),
    Route("/groups/{slug}", groups.get_group, methods=["GET"], name="group"),
    Route("/groups/{slug}", groups.update_group, methods=["PATCH"], name="group-update"),
    Route("/groups/{slug}/messages", messages.blast_group, methods=["POST"], name="group-messages-create"),
    Route("/campaigns", groups.list_campaigns, methods=["GET"], name="campaigns"),
    Route("/campaigns", groups.create_campaign, methods=["POST"], name="campaigns-create"),
    Route("/campaigns/{slug}", groups.get_campaign, methods=["GET"], name="campaign"),
    Route("/campaigns/{slug}", groups.update_campaign, methods=["PATCH"], name="campaign-update"),
    Route("/events", events.list_events, methods=["GET"], name="events"),
    Route("/events", events.create_event, methods=["POST"], name="events-create"),
    Route("/events/{event_id:id}", events.get_event, methods=["GET"], name="event"),
    Route("/events/{event_id:id}", events.update_event, methods=["PATCH"], name="event-update"),
    Route("/events/{event_id:id}/cancel", events.cancel_event, methods=["POST"], name="event-cancel"),
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
    Route("/signups/{signup_id:id}", signups.get_signup, methods=["GET"], name="signup"),
    Route("/signups/{signup_id:id}", signups.update_signup, methods=["PATCH"], name="signup-update"),
    Route("/inbox", inbox.list_threads, methods=["GET"], name="inbox"),
    Route("/inbox/{thread_id:id}", inbox.get_thread, methods=["GET"], name="inbox-thread"),
    Route("/inbox/{thread_id:id}", inbox.update_thread, methods=["PATCH"], name="inbox-thread-update"),
    Route("/inbox/{thread_id:id}/replies", inbox.reply, methods=["POST"], name="inbox-replies-create"),
    Route("/volunteers", people.list_volunteers, methods=["GET"], name="volunteers"),
    Route("/volunteers/{volunteer_id:id}", people.get_volunteer, methods=["GET"], name="volunteer"),
    Route("/turnout", people.get_turnout, methods=["GET"], name="turnout"),
    Route("/public/events", public.list_public_events, methods=["GET"], name="public-events"),
    Route("/public/shifts/{shift_id:id}/signups", public.public_signup, methods=["POST"], name="public-signup"),
]

page_routes: list[BaseRoute] = [
    Route("/", pages.finder, methods=["GET"], name="finder"),
    Route("/events/{event_id:id}", pages.event_page, methods=["GET"], name="event"),
    Route("/events/{event_id:id}/signup", pages.event_signup, methods=["POST"], name="event-signup"),
    Route("/events/{event_id:id}/signed-up", pages.signed_up, methods=["GET"], name="event-signed-up"),
    Route("/signups/{token:token}", pages.manage_page, methods=["GET"], name="manage"),
    Route("/signups/{token:token}/drop/{signup_id:id}", pages.manage_drop, methods=["POST"], name="manage-drop"),
    Route(
        "/signups/{token:token}/confirm/{signup_id:id}", pages.manage_confirm, methods=["POST"], name="manage-confirm"
    ),
    Route(
        "/signups/{token:token}/calendar/rotate", pages.manage_rotate_feed, methods=["POST"], name="manage-rotate-feed"
    ),
]

feed_routes: list[BaseRoute] = [
    Route("/events/{event_id:id}.ics", feeds.event_feed, methods=["GET", "HEAD"], name="event"),
    Route("/groups/{slug:slug}.ics", feeds.group_feed, methods=["GET", "HEAD"], name="group"),
    Route("/campaigns/{slug:slug}.ics", feeds.campaign_feed, methods=["GET", "HEAD"], name="campaign"),
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

routes: list[BaseRoute] = [
    Route("/healthz", health.healthz, methods=["GET"], name="healthz"),
    Mount("/api/v1", routes=api_routes, name="api"),
    Mount("/feeds", routes=feed_routes, name="feeds"),
    Mount("/webhooks", routes=webhook_routes, name="webhooks"),
    Mount("/static", app=StaticFiles(directory=Path(__file__).parent / "static"), name="static"),
    Mount("", routes=page_routes, name="pages"),
]
