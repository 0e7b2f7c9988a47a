// DubQLEngine: see README "Layout". Filled by its own issue.
import DubQL
