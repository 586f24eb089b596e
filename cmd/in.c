/* in.c - /opt/resource/in DEST: fetch the version's release assets into DEST,
 * verified, with its metadata; print {"version":..,"metadata":..}. */
#include "in.h"
#include "resource.h"

int main(int argc, char **argv)
{
    return resource_main_dir(REQUEST_IN, argc, argv, "DESTINATION (a directory)", in_run);
}
