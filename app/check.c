#include "check.h"
#include "agenda.h"
#include "cli.h"
#include "commands.h"
#include "pack.h"
#include "printer.h"
#include "slides.h"
#include "slip.h"
#include "teams.h"
#include "util.h"

#include <stdio.h>
#include <string.h>

void check_pack(const struct pack *p, struct diags *d, int with_slides)
{
	agenda_check(p, d);
	if (with_slides)
		slides_check(p, d);
	for (int i = 0; i < p->nteams; i++) {
		char err[512];
		if (p->teams[i].qr && teams_check_template(p->teams[i].qr, err, sizeof(err)) < 0)
			diags_add(d, DIAG_ERROR, "event.ini", p->teams[i].line, "team '%s': %s",
				  p->teams[i].name ? p->teams[i].name : "?", err);
	}
	if (p->printer && printer_check_target(p->printer) < 0)
		diags_add(d, DIAG_ERROR, "event.ini", 0, "[print] printer: %s", err_msg());
	if (p->print_width && slip_check_width(p->print_width) < 0)
		diags_add(d, DIAG_ERROR, "event.ini", 0, "[print] width: %s", err_msg());
}

static void print_summary(const struct pack *p)
{
	int minutes = 0;
	for (int i = 0; i < p->nsegments; i++)
		minutes += p->segments[i].minutes;
	int meeting = (int)((p->ends_ms - p->starts_ms) / 60000);
	printf("%s\n", p->title);
	if (p->venue)
		printf("  venue:     %s\n", p->venue);
	printf("  time:      %s to %s (%s), %d minutes\n", p->starts_text, p->ends_text, p->timezone, meeting);
	printf("  languages:");
	for (int i = 0; i < p->nlangs; i++)
		printf(" %s", p->langs[i]);
	printf("\n  consent:   version %s\n", p->consent_version);
	printf("  agenda:    %d segments, %d minutes\n", p->nsegments, minutes);
	printf("  roles:     %d, teams: %d, targets: leaders %d-%d %%, hosts %d-%d %%\n", p->nroles,
	       p->nteams, p->leader_target_min, p->leader_target_max, p->host_target_min,
	       p->host_target_max);
	printf("  printer:   %s (%d dots)\n", p->printer ? p->printer : "none", p->print_width);
	printf("  upload:    %s%s%s\n", p->upload_kind ? p->upload_kind : "none",
	       p->upload_url ? " to " : "", p->upload_url ? p->upload_url : "");
}

/* barnstorm check PACK */
int cmd_check(int argc, char **argv)
{
	struct cli cli;
	if (cli_parse(argc, argv, "", 1, &cli) < 0)
		return 2;
	struct pack p;
	struct diags d;
	diags_init(&d);
	if (pack_load(cli.positional, &p, &d) == 0 || p.title)
		check_pack(&p, &d, 1);
	diags_sort(&d);
	for (int i = 0; i < d.n; i++) {
		char line[1400];
		diag_format(&d.items[i], line, sizeof(line));
		printf("%s\n", line);
	}
	int shown = d.n;
	if (d.errors + d.warnings > shown)
		printf("(%d more problems not shown)\n", d.errors + d.warnings - shown);
	int rc;
	if (d.errors) {
		printf("%s: %d error%s, %d warning%s: not ready\n", cli.positional, d.errors,
		       d.errors == 1 ? "" : "s", d.warnings, d.warnings == 1 ? "" : "s");
		rc = 1;
	} else {
		print_summary(&p);
		printf("%s: ready (%d warning%s)\n", cli.positional, d.warnings, d.warnings == 1 ? "" : "s");
		rc = 0;
	}
	pack_release(&p);
	diags_release(&d);
	return rc;
}
