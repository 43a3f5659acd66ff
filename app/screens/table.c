/* The tables of screen.h: every screen and feature the loop dispatches through. The only file that
 * knows them all. */
#include "screen.h"
#include "kiosk.h"
#include "screens/checkin.h"
#include "screens/meeting.h"
#include "screens/results.h"
#include "screens/screens.h"
#include "screens/signup.h"
#include "screens/station.h"

const struct screen_def SCREEN_DEFS[SCREEN_COUNT] = {
	[SCREEN_ERROR] = {"error", screen_error, SCREEN_STAYS},
	[SCREEN_IDLE] = {"idle", screen_idle, SCREEN_STAYS, 1},
	[SCREEN_PIN] = {"pin", screen_pin, SCREEN_ATTENDEE},
	[SCREEN_ORGANIZER] = {"organizer", screen_organizer, SCREEN_ORGANIZER_LOCK},
	[SCREEN_SEARCH] = {"search", screen_search, SCREEN_ATTENDEE, 1},
	[SCREEN_CONFIRM] = {"confirm", screen_confirm, SCREEN_ATTENDEE, 1},
	[SCREEN_WELCOME] = {"welcome", screen_welcome, SCREEN_STAYS, 1},
	[SCREEN_WALKIN] = {"walkin", screen_walkin, SCREEN_ATTENDEE, 1},
	[SCREEN_CHECKINS] = {"checkins", screen_checkins, SCREEN_ORGANIZER_LOCK},
	[SCREEN_FACILITATOR] = {"facilitator", screen_facilitator, SCREEN_STAYS},
	[SCREEN_AUDIENCE] = {"audience", screen_audience, SCREEN_STAYS},
	[SCREEN_SIGNUP] = {"signup", screen_signup, SCREEN_ORGANIZER_LOCK},
	[SCREEN_BOARD] = {"board", screen_board, SCREEN_STAYS},
	[SCREEN_RESULTS] = {"results", screen_results, SCREEN_ORGANIZER_LOCK},
	[SCREEN_STATION] = {"station", screen_station, SCREEN_ORGANIZER_LOCK},
	[SCREEN_STATIONS] = {"stations", screen_stations, SCREEN_ORGANIZER_LOCK},
};

static const struct feature_def CHECKIN = {.name = "checkin", .open = checkin_open,
					   .close = checkin_close, .clock_moved = checkin_clock_moved,
					   .forget = checkin_forget, .scan = checkin_scan};
static const struct feature_def MEETING = {.name = "meeting", .open = meeting_open,
					   .close = meeting_close, .clock_moved = meeting_clock_moved};
static const struct feature_def SIGNUP = {.name = "signup", .open = signup_open,
					  .close = signup_close, .clock_moved = signup_clock_moved};
static const struct feature_def RESULTS = {.name = "results", .open = results_open,
					   .close = results_close};

static const struct feature_def STATION = {.name = "station", .open = station_open,
					   .close = station_close};

const struct feature_def *const FEATURE_DEFS[] = {&CHECKIN, &MEETING, &SIGNUP, &RESULTS, &STATION,
						  NULL};

void screens_projector(struct kiosk *k, struct ui *ui)
{
	meeting_audience_frame(k, ui);
}
