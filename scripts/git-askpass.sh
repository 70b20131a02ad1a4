#!/bin/sh
# GIT_ASKPASS for codemonkeys: answers git's username and password prompts from the environment
# the reconciler gave this one git command. The token is never on a command line or in a URL.
case "$1" in
  Username*) printf '%s\n' "$CODEMONKEYS_GIT_USERNAME" ;;
  *) printf '%s\n' "$CODEMONKEYS_GIT_PASSWORD" ;;
esac
