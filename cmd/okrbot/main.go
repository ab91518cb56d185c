// Command okrbot runs the okrbot Slack bot.
package main

func main() {}
