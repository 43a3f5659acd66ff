/* The subcommands of `barnstorm`. main.c picks one by argv[1] and passes the remaining arguments
 * (argv[0] is the subcommand's name). Each returns the process exit status. */
#ifndef BARNSTORM_COMMANDS_H
#define BARNSTORM_COMMANDS_H

int cmd_run(int argc, char **argv);     /* kiosk.c */
int cmd_check(int argc, char **argv);   /* check.c */
int cmd_script(int argc, char **argv);  /* script.c */
int cmd_import(int argc, char **argv);  /* roster.c */
int cmd_export(int argc, char **argv);  /* export.c */
int cmd_upload(int argc, char **argv);  /* upload.c */
int cmd_sync(int argc, char **argv);    /* sync/cmd.c */

#endif
