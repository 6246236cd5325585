#!/bin/sh
echo UT-DEMO-BEGIN
echo placeholder
echo UT-DEMO-END
