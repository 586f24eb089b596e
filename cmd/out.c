/* out.c - /opt/resource/out SOURCES: mirror the release that a get of this
 * resource wrote under SOURCES/<params.from> to S3; print its version. */
#include "out.h"
#include "resource.h"

int main(int argc, char **argv)
{
    return resource_main_dir(REQUEST_OUT, argc, argv, "SOURCES (the build's directory)", out_run);
}
