from selenium.webdriver.common.by import By

from .base import FunctionalTest, new_browser


class NewVisitorTest(FunctionalTest):
    def test_can_start_a_todo_list(self):
        # Edith has heard about a cool new online to-do app.
        # She goes to check out its homepage
        self.browser.get(self.live_server_url)

        # She notices the page title and header mention to-do lists
        self.assertIn("To-Do", self.browser.title)
        header_text = self.browser.find_element(By.TAG_NAME, "h1").text
        self.assertIn("To-Do", header_text)

        # She is invited to enter a to-do item straight away
        inputbox = self.get_item_input_box()
        self.assertEqual(inputbox.get_attribute("placeholder"), "Enter a to-do item")

        # She types "Buy peacock feathers" into a text box and presses enter:
        # the page now lists it as its next row ("1: Buy peacock feathers"
        # on a fresh site)
        self.add_list_item("Buy peacock feathers")

        # There is still a text box inviting her to add another item.
        # She enters "Use peacock feathers to make a fly"
        self.add_list_item("Use peacock feathers to make a fly")

        # The page updates again, and now shows both items on her list
        page_text = self.browser.find_element(By.ID, "id_list_table").text
        self.assertIn("Buy peacock feathers", page_text)
        self.assertIn("Use peacock feathers to make a fly", page_text)

    def test_a_second_user_finds_the_site_working(self):
        # Francis, a new user, comes along to the site on another computer
        self.browser.quit()
        self.browser = new_browser()

        # Francis visits the home page and starts a list of his own
        self.browser.get(self.live_server_url)
        self.assertIn("To-Do", self.browser.title)
        self.add_list_item("Buy milk")
        page_text = self.browser.find_element(By.TAG_NAME, "body").text
        self.assertIn("Buy milk", page_text)
