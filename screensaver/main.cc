// potluck-screensaver: computes for the grid while the user is away, and shows what it computes.
#include "screensaver_program.h"

int main(int argc, char** argv) { return potluck::screensaver::RunScreensaverProgram(argc, argv); }
